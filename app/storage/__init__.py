"""Files: uploads judged by their bytes and stored by hash (``files``, ``file_checks``), sent back
as attachments or the one sandboxed preview (``downloads``), and the UU PDP access log and
retention (``pdp``)."""
