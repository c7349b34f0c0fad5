"""JSON API of the training system (mounted at /api/training): one endpoint per action, each calling
one service or selector. Refusals come back as 422 (ValidationError) or 403 (PermissionDenied).
One module per aggregate registers its endpoints on the one router defined in common."""

from dte.training.api import attendance, certificates, classes, enrolment, events, plans, trainee
from dte.training.api.attendance import IMPORT_REJECTED, ImportOut, ImportRejectedOut
from dte.training.api.common import ReasonIn, router

__all__ = ["IMPORT_REJECTED", "ImportOut", "ImportRejectedOut", "ReasonIn", "router"]

# Endpoint modules, imported for the endpoints they register on the router.
_MODULES = (plans, enrolment, classes, attendance, certificates, events, trainee)

# The operation ids stay those the API published when the endpoints were one module
# (dte_training_api_<function>), so that generated clients keep their method names.
for _path in router.path_operations.values():
    for _operation in _path.operations:
        _operation.operation_id = (
            _operation.operation_id or f"dte_training_api_{_operation.view_func.__name__}"
        )
