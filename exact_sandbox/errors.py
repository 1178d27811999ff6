"""Typed errors, each knowing the HTTP answer Exact gives for it."""


class ODataError(Exception):
    """An error answered with Exact's OData error body (reference §5)."""

    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict:
        return {"error": {"code": "", "message": {"lang": "", "value": self.message}}}


class ValidationFailed(ODataError):
    """Business-rule violation: Exact answers 500 with the messages joined by CRLF (reference §5)."""

    def __init__(self, messages: list[str]):
        super().__init__(500, "\r\n".join(messages))
        self.messages = messages
