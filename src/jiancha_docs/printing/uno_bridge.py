"""The bridge to a resident LibreOffice, run by the system Python (the one Debian's python3-uno is for).

It is a separate program, not imported by the package: resident.py starts it with /usr/bin/python3,
passes the pipe name soffice listens on, and talks to it in JSON lines on stdin/stdout:

    → {"source": "/abs/in.docx", "target": "/abs/out.pdf", "pages": "1"}
    ← {"ok": true}                      or  {"ok": false, "error": "…"}

A document is loaded hidden, exported as PDF (all pages, or the range asked for) and closed.
(This LibreOffice may lack the image export filters: resident.py turns a page into PNG with poppler.)
"""

import json
import sys
import time


def _connect(pipe):
    import uno

    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + 60
    while True:
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _props(**values):
    from com.sun.star.beans import PropertyValue

    out = []
    for name, value in values.items():
        prop = PropertyValue()
        prop.Name, prop.Value = name, value
        out.append(prop)
    return tuple(out)


def _export(desktop, request):
    import uno
    import unohelper

    source = unohelper.systemPathToFileUrl(request["source"])
    target = unohelper.systemPathToFileUrl(request["target"])
    # The filter named (no type detection), no macros, no links updated: a preview loads faster.
    load = _props(
        Hidden=True, ReadOnly=True, FilterName="MS Word 2007 XML", MacroExecutionMode=0, UpdateDocMode=0
    )
    doc = desktop.loadComponentFromURL(source, "_blank", 0, load)
    try:
        args = _props(FilterName="writer_pdf_Export")
        if request.get("pages"):  # e.g. "1": only the first page (a preview)
            data = uno.Any("[]com.sun.star.beans.PropertyValue", _props(PageRange=request["pages"]))
            args += _props(FilterData=None)
            args[-1].Value = data
        uno.invoke(doc, "storeToURL", (target, uno.Any("[]com.sun.star.beans.PropertyValue", args)))
    finally:
        doc.close(True)


def main():
    pipe = sys.argv[1]
    desktop = _connect(pipe)
    sys.stdout.write(json.dumps({"ready": True}) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            _export(desktop, request)
            answer = {"ok": True}
        except Exception as e:  # the caller turns it into a Chinese message
            answer = {"ok": False, "error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
