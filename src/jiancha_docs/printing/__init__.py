"""Print-ready output: PDF through LibreOffice, standard-font handling, the GB/T 9704 checker.

    convert.py   .docx → PDF: one headless soffice per batch, private profile, watchdog, retry once
    fonts.py     the standard fonts, their stand-ins (``fonts.conf``, package data) and the pre-flight
    ooxml.py     reading a .docx: sections, paragraphs, every character's resolved font/size/colour
    checker.py   roles of paragraphs (by style id or by content) and one check per GB/T 9704 clause
    profiles.py  the numbers and tolerances a document is held to (文件式, 信函式, 地方, a TOML file)
    doctor.py    ``jiancha doctor``: the environment as a list of facts

Nothing here prints or exits; the commands are in ``jiancha_docs.cli.printing``. Modules are
imported by the commands that need them, so ``jiancha --help`` loads none of this.
"""
