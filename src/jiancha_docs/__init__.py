"""jiancha-docs: 纪检监察文书生成、文号台账与法规检索。

The core library; ``cli.py`` is a thin command line over it.
"""

__version__ = "0.1.0"
