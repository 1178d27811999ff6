"""The module switch (Configuration > Integrations) applied to the plugin's screen additions."""
from backoffice import hooks


class WhileEnabled(hooks.ModelViewExtension):
    """Base of every Exact extension of a host screen: active only while the module is on."""

    def is_active(self):
        from exact_plugin.connection import is_enabled
        return is_enabled()
