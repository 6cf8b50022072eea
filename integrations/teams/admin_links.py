"""Admin pages (filled in by the owner; see /work/wt/ISSUE16.md)."""
