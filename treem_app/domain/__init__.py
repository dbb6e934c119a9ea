"""The domain: plain Python rules for child records (no Flask, no SQLAlchemy, no I/O but the
bundled reference tables).

Modules, from the letters up: ``syllables`` (alphabet, syllables, tone placement, diacritic
folding), ``legacy_text`` (TCVN3/VNI/UTF-8 detection and decoding, text repair), ``names``
(name analysis, title case, search keys, NAME_INVALID), ``dates``, ``sex``, ``ethnicity``,
``idnumber``, ``findings`` (rule codes), ``matching`` (merge keys, probable duplicates),
``cell_outcomes`` (what one cell screens to) and ``screening`` (rows and columns -> facts, fixes
and findings). ``_memo`` and ``_reference`` are the package's own helpers.
"""
