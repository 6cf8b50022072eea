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
