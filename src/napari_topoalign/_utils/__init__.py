"""Private helpers shared by every stage (the counterpart of ``sklearn.utils``): one copy each.

- :mod:`.validation`: scalars, options, arrays and index arrays checked with the argument's
  name in every message; :func:`~.validation.check_random_state`.
- :mod:`.progress`: the progress protocol (:data:`~.progress.ProgressFn`), :class:`Cancelled`,
  sub-progress for a stage inside a stage.
- :mod:`.parallel`: thread counts, the BLAS limit, one thread-pool helper.
- :mod:`.graph`: CSR adjacency of an edge list, row gathering.
- :mod:`.params`: parameter specs (default, range or choices, help) declared once beside each
  core function, and name -> callable registries that users extend and widgets list.
- :mod:`.imports`: optional dependencies imported when needed, with the extra to install.

Nothing here imports napari or Qt.
"""
