"""The Python client of PortalRPC, the clinical admin portal's data backend.

    from portal_rpc_client import PortalClient

    with PortalClient.spawn(data_dir="/tmp/portal", demo=True) as client:
        patient = client.getPatient("P001")
        client.syncPatientData("P001", {"phone": "(555) 000-1111"})

Everything a caller needs is importable from here. The typed shapes of records, params and
results (TypedDicts) are in portal_rpc_client.types; both they and portal_rpc_client.methods are
generated from the repository's schema/ by generate_types.py.
"""

from .client import (
    CLIENT_INFO,
    DEFAULT_TIMEOUT,
    Credentials,
    ERROR_CLASSES,
    PROTOCOL_VERSION,
    ForbiddenError,
    InternalError,
    InvalidParamsError,
    InvalidRequestError,
    MethodNotFoundError,
    NotFoundError,
    ParseError,
    PortalClient,
    PortalConnectionError,
    PortalError,
    RelatedRecordsExistError,
    RequestCancelledError,
    ServerNotInitializedError,
    StorageUnavailableError,
    UnauthenticatedError,
    UpstreamUnavailableError,
    VersionConflictError,
    default_executable,
    dumps,
    error_from,
    find_command,
    loads,
)
from .methods import PortalMethods
from .types import AuthExpiredNotification, ChangeNotification, Login

__version__ = "0.1.0"

__all__ = [
    "CLIENT_INFO",
    "DEFAULT_TIMEOUT",
    "ERROR_CLASSES",
    "PROTOCOL_VERSION",
    "AuthExpiredNotification",
    "ChangeNotification",
    "Credentials",
    "ForbiddenError",
    "InternalError",
    "InvalidParamsError",
    "InvalidRequestError",
    "Login",
    "MethodNotFoundError",
    "NotFoundError",
    "ParseError",
    "PortalClient",
    "PortalConnectionError",
    "PortalError",
    "PortalMethods",
    "RelatedRecordsExistError",
    "RequestCancelledError",
    "ServerNotInitializedError",
    "StorageUnavailableError",
    "UnauthenticatedError",
    "UpstreamUnavailableError",
    "VersionConflictError",
    "default_executable",
    "dumps",
    "error_from",
    "find_command",
    "loads",
]
