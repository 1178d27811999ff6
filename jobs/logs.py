"""Job logs stamped with the job id.

Every log record made while a job runs carries the job's id as `record.job`, whichever logger
wrote it, so `grep <job id>` on a worker's log finds everything one job did (the redash habit,
shared STYLE.md). Outside a job it is "-". The stamp is added by a log record factory, installed
once per process, so it works for every handler, including pytest's caplog. (It is not called
`job_id` because RQ passes `extra={"job_id": ...}` itself, and logging refuses to overwrite.)
"""
import logging

from rq import get_current_job

JOB_LOG_FORMAT = "%(asctime)s %(levelname)s [job %(job)s] %(name)s: %(message)s"
_installed = False


def install_job_id_stamp():
    """Make every new log record carry the id and function of the job being run."""
    global _installed
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def make_stamped_record(*args, **kwargs):
        record = make_record(*args, **kwargs)
        job = _current_job()
        record.job = job.id if job is not None else "-"
        return record

    logging.setLogRecordFactory(make_stamped_record)
    _installed = True


def _current_job():
    try:
        return get_current_job()
    except Exception:  # a log line must never fail because the job stack is in flux
        return None


def configure_worker_logging(level="INFO"):
    """Log to stderr with the job id on every line (worker processes and threads)."""
    install_job_id_stamp()
    root = logging.getLogger()
    if not any(getattr(handler, "_job_log_handler", False) for handler in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(JOB_LOG_FORMAT))
        handler.addFilter(_not_printed_elsewhere)
        handler._job_log_handler = True
        root.addHandler(handler)
    root.setLevel(level)


def _not_printed_elsewhere(record):
    """False for records a handler below the root prints already (werkzeug's request log in
    the web process, RQ's own handlers), so no line appears twice."""
    logger = logging.getLogger(record.name)
    while logger is not None and logger.parent is not None:
        if logger.handlers:
            return False
        if not logger.propagate:
            return True
        logger = logger.parent
    return True
