"""Why a backup, a verification or a restore was refused."""

from helpdesk.errors import ApplicationError


class BackupError(ApplicationError):
    """A backup or restore could not be done; ``message`` says why, for people."""

    code = "backup_error"


class ArchiveCorrupt(BackupError):
    """The archive is damaged: a checksum differs, a member is missing or
    extra, the file is truncated, or it is not a helpdesk archive at all."""

    code = "archive_corrupt"


class WrongPassphrase(BackupError):
    """The archive is encrypted and the passphrase is missing or wrong."""

    code = "wrong_passphrase"


class IncompatibleArchive(BackupError):
    """The archive comes from a newer schema or product version than this
    installation, or holds models or fields it does not know."""

    code = "incompatible_archive"


class DatabaseNotEmpty(BackupError):
    """The target database already holds data and replacing it was not asked."""

    code = "database_not_empty"


class BackupNotFound(BackupError):
    """No archive (or job) of that name in the backup storage."""

    code = "not_found"
    status_code = 404


TRUNCATED = "The archive is truncated: it ends before its manifest."
TRUNCATED_AFTER_MANIFEST = (
    "The archive is truncated: it ends after its manifest but before its end."
)


class ArchiveTruncated(ArchiveCorrupt):
    """The data ended early. Raised by the gzip layer, which cannot tell
    where in the tar stream it stopped; the archive reader rewords it by
    whether the manifest was read (:data:`TRUNCATED` or
    :data:`TRUNCATED_AFTER_MANIFEST`)."""

    def __init__(self) -> None:
        super().__init__(TRUNCATED)
