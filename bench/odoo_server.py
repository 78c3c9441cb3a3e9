"""Odoo's command line, as measure 3 starts its server (`odoo_server.py -c ...`).

With --workers, Odoo's master process re-runs its own command line with
`gevent` to start the bus/websocket process. The benchmark does not use it,
and it cannot start on every machine (`python -m odoo` re-runs
odoo/__main__.py, which fails; gevent's plugin lookup can fail too), in which
case the master respawns it over and over, eating CPU. Started through this
script, that process is an idle stand-in, until the master stops it.
"""

import signal
import sys

if __name__ == "__main__":
    if "gevent" in sys.argv[1:2]:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while True:
            signal.pause()
    import odoo.cli

    odoo.cli.main()
