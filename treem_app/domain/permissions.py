"""What each role may do, by action: the one table that views, menus and templates ask
(SPEC section 2). Templates call ``can("action")``; they never compare roles themselves."""

from __future__ import annotations

ROLES = ("officer", "volunteer", "police", "reporter", "admin")

ACTIONS: dict[str, frozenset[str]] = {
    # Correct facts, add children, mark records, decide conflicts and proposals.
    "edit_records": frozenset({"officer"}),
    # Propose a correction for an officer to approve.
    "propose": frozenset({"volunteer"}),
    # Upload the national export, confirm its mapping, run the import.
    "import": frozenset({"officer"}),
    # Create, fill, issue, cancel and close handover batches.
    "manage_batches": frozenset({"officer"}),
    # Open a handover batch's page.
    "view_batches": frozenset({"officer", "police", "reporter"}),
    # Download the documents a job or a batch produced (PDF lists, return sheets).
    "download_documents": frozenset({"officer", "police"}),
    # Hand in the police's answers for a batch: the returned sheet (officer or commune police).
    "return_batches": frozenset({"officer", "police"}),
    # Step 4: the change list, ticking records typed into the national software, its export.
    "sync_software": frozenset({"officer"}),
    # Open a child's record from a list (a batch's rows).
    "open_records": frozenset({"officer", "reporter"}),
    # See the commune's list of hamlets and merge hamlets into one ("gộp thôn").
    "manage_hamlets": frozenset({"officer"}),
    # Reports (issue 14): read and download the progress tables of the user's units.
    "view_reports": frozenset({"officer", "reporter", "admin"}),
    # Enter a commune's own count of its children (column (3) of the reports).
    "enter_totals": frozenset({"officer", "reporter"}),
    # Set a campaign's phases and deadlines (issue 17): for the user's unit and below (an
    # officer: their commune only, services.campaigns.may_set).
    "manage_campaign": frozenset({"officer", "reporter", "admin"}),
    # Re-screen the records of a unit.
    "rebuild_findings": frozenset({"officer", "admin"}),
}


def can(role: str | None, action: str) -> bool:
    """Whether ``role`` may do ``action``; an unknown action is a programming error."""
    return role in ACTIONS[action]
