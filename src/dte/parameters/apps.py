from django.apps import AppConfig


class ParametersConfig(AppConfig):
    name = "dte.parameters"
    verbose_name = "政策参数"

    def ready(self) -> None:
        # Every process reads the published versions through this source: the policy engine asks
        # it for its token before reading a parameter (dte.policy.parameters.refresh).
        from dte.parameters.layer import install

        install()
