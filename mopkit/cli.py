"""The ``mopkit`` command: init, run, demo, batch, portfolio, serve, publish, report, copycheck."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import MopkitError

TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "client.yaml"


def cmd_init(args) -> int:
    import re

    slug = args.name
    if not re.match(r"^[a-z0-9][a-z0-9_-]{0,63}$", slug):
        raise MopkitError(f"{slug!r} is not a valid client folder name", fix="use lower-case letters, digits, '-' or '_', e.g. huayang")
    folder = Path(args.clients_dir) / slug
    cfg = folder / "client.yaml"
    if cfg.exists():
        raise MopkitError("a config for this client exists already", file=cfg, fix="edit it, or choose another name")
    folder.mkdir(parents=True, exist_ok=True)
    text = TEMPLATE.read_text(encoding="utf-8").replace("{{slug}}", slug).replace("{{name}}", args.display_name or slug)
    cfg.write_text(text, encoding="utf-8")
    print(f"wrote {cfg}\nnext: put the client's exports in {folder}/, edit the column mappings, then: mopkit run {cfg}")
    return 0


def _run(config: Path, runs: str | None, only: list[str] | None, report: bool, *, publish: bool = False,
         jobs: int | None = None) -> int:
    from .run import run_client, select_notebooks

    nbs = select_notebooks(only)
    res = run_client(config, runs, notebooks=nbs, report=report, progress=lambda m: print(m, flush=True), jobs=jobs)
    print(res.summary())
    if publish and (res.run_dir / "outputs" / "kpis.csv").exists():
        from .publish import publish as publish_cockpit

        print(f"  cockpit: {publish_cockpit(res.run_dir)}")  # the offline HTML file the merchant opens
    return 0 if res.ok else 1


def cmd_run(args) -> int:
    return _run(Path(args.config), args.runs, args.only, not args.no_report, jobs=args.jobs)


def cmd_demo(args) -> int:
    from .run import sample_config_path

    print("mopkit demo: the bundled sample merchant (data_samples/sample_merchant)")
    return _run(sample_config_path(), args.runs, args.only, True, publish=True, jobs=args.jobs)


def cmd_serve(args) -> int:
    from .serve import serve

    import json
    import os

    run = _latest_run(Path(args.run_dir))
    lang = json.loads((run / "manifest.json").read_text(encoding="utf-8")).get("client", {}).get("language", "zh")
    return serve(run, args.port, ip=args.ip, token=args.token or os.environ.get("MOPKIT_SERVE_TOKEN"),
                 allow_hosts=args.allow_host or (), max_kernels=args.max_kernels, cull_idle_s=args.cull_idle,
                 lang=lang)


def _latest_run(run_dir: Path) -> Path:
    """``run_dir`` itself, or the newest run folder under it (runs/ or runs/<client>/)."""
    if not (run_dir / "manifest.json").exists():
        runs = sorted(p.parent for p in run_dir.glob("*/manifest.json")) or sorted(p.parent for p in run_dir.glob("*/*/manifest.json"))
        if not runs:
            raise MopkitError("not a run folder", file=run_dir, fix="pass runs/<client>/<timestamp> (made by mopkit run)")
        run_dir = runs[-1]
    return run_dir


def cmd_publish(args) -> int:
    from .publish import publish

    for lang in args.lang or [None]:
        print(publish(_latest_run(Path(args.run_dir)), lang=lang))
    return 0


def cmd_report(args) -> int:
    import json

    from .report import build_reports
    from .run import NotebookResult

    run_dir = Path(args.run_dir)
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    results = [NotebookResult(**n) for n in manifest.get("notebooks", [])]
    print(build_reports(run_dir, results))
    return 0


def cmd_copycheck(args) -> int:
    """Check ad copies; exit 1 when any copy has a violation (0: only reviews or clean)."""
    from . import copycheck as CC

    extra = list(args.terms or [])
    if args.config:
        extra = CC.config_settings(args.config)[1] + extra
    result = CC.check_copies(CC.read_copies(args.source), CC.load_terms(extra), lang=args.lang)
    for row in result.copies.itertuples(index=False):
        for h in result.raw[row.id]:
            line = f"[{h.severity}] {row.id}{' ' + row.platform if row.platform else ''} @{h.start} 「{h.term}」 {h.entry.title(args.lang)} · {h.entry.basis}"
            if h.reason:
                line += f" · {h.reason}"
            if h.entry.suggest:
                line += f" → {h.entry.suggest}"
            print(line)
    out = args.out
    if out is None and Path(str(args.source)).suffix.lower() in CC.report.FILES and Path(str(args.source)).exists():
        out = Path(args.source).with_name(Path(args.source).stem + "_copycheck.xlsx")
    if out:
        for p in CC.write_report(result, out, lang=args.lang):
            print(f"wrote {p}")
    for text, _ in CC.findings(result, lang=args.lang)[:1]:
        print(text)
    return 1 if result.has_violation else 0
def cmd_batch(args) -> int:
    from .batch import find_configs, run_batch, summary_table

    configs = find_configs(args.configs, args.clients)
    res = run_batch(configs, args.runs, jobs=args.jobs, scheduler=args.scheduler, only=args.only,
                    report=not args.no_report, timeout=args.timeout * 60 if args.timeout else None,
                    progress=lambda m: print(m, flush=True))
    print(summary_table(res))
    return 0 if res.ok else 1


def cmd_portfolio(args) -> int:
    from .portfolio import build_portfolio

    html, pdf = build_portfolio(args.runs_dir, lang=args.lang, out_dir=args.out, pdf=not args.no_pdf)
    print(f"portfolio: {html}" + (f"\n           {pdf}" if pdf else ""))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mopkit", description="Marketing analytics kit: per-client notebook runs, reports and dashboards.")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("init", help="write clients/NAME/client.yaml from the template")
    s.add_argument("name")
    s.add_argument("--display-name", help="the client's display name (Chinese allowed)")
    s.add_argument("--clients-dir", default="clients")
    s.set_defaults(func=cmd_init)
    for name, fn, hlp in (("run", cmd_run, "run every notebook for a client"), ("demo", cmd_demo, "run everything on the sample merchant")):
        s = sub.add_parser(name, help=hlp)
        if name == "run":
            s.add_argument("config", help="clients/<name>/client.yaml")
            s.add_argument("--no-report", action="store_true", help="skip the HTML/PDF export")
        s.add_argument("--runs", default=None, help="runs folder (default ./runs)")
        s.add_argument("--only", nargs="*", help="run only these notebooks (e.g. 00 rfm_clv)")
        s.add_argument("-j", "--jobs", type=int, default=None,
                       help="notebooks side by side, each in its own kernel (default: the number of cores)")
        s.set_defaults(func=fn)
    s = sub.add_parser("batch", help="run many clients, a few at a time or on a Dask cluster")
    s.add_argument("configs", nargs="*", help="client configs (files, or folders holding client.yaml)")
    s.add_argument("--clients", metavar="DIR", help="also run every DIR/<client>/client.yaml")
    s.add_argument("-j", "--jobs", type=int, default=None, help="runs at a time (default: the number of cores)")
    s.add_argument("--scheduler", metavar="tcp://HOST:8786", help="submit the runs to this Dask distributed scheduler")
    s.add_argument("--runs", default=None, help="runs folder (default ./runs); must be shared with Dask workers")
    s.add_argument("--only", nargs="*", help="run only these notebooks (e.g. 00 dashboard)")
    s.add_argument("--no-report", action="store_true", help="skip the HTML/PDF export")
    s.add_argument("--timeout", type=float, default=None, metavar="MIN", help="stop a client's run after MIN minutes")
    s.set_defaults(func=cmd_batch)
    s = sub.add_parser("portfolio", help="one page (HTML + PDF) over every client's latest run")
    s.add_argument("runs_dir", help="the runs folder (runs/<client>/<timestamp>/)")
    s.add_argument("--lang", choices=("zh", "en"), default="zh", help="the consultant's language (default zh)")
    s.add_argument("--out", default=None, help="folder for portfolio-<timestamp>.html/.pdf (default: RUNS_DIR)")
    s.add_argument("--no-pdf", action="store_true", help="write the HTML page only")
    s.set_defaults(func=cmd_portfolio)
    s = sub.add_parser("serve", help="serve a run's live dashboard (Voila behind a token-checking gateway)")
    s.add_argument("run_dir")
    s.add_argument("--port", type=int, default=8866)
    s.add_argument("--ip", default="127.0.0.1", help="interface to listen on (0.0.0.0: all; put HTTPS in front)")
    s.add_argument("--token", help="visitors' token (default $MOPKIT_SERVE_TOKEN, else a new random one)")
    s.add_argument("--allow-host", action="append", help="host name clients use, e.g. cockpit.example.com (repeat)")
    s.add_argument("--max-kernels", type=int, default=5, help="visitors served at once; the next get a 'busy, retry' page")
    s.add_argument("--cull-idle", type=int, default=300, help="seconds before an idle kernel is shut down, even with its tab open")
    s.set_defaults(func=cmd_serve)
    s = sub.add_parser("publish", help="write the run's cockpit as one offline HTML file per language")
    s.add_argument("run_dir")
    s.add_argument("--lang", action="append", choices=["zh", "en"], help="language (repeat for both; default the client's)")
    s.set_defaults(func=cmd_publish)
    s = sub.add_parser("report", help="rebuild a run's HTML pages and PDF")
    s.add_argument("run_dir")
    s.set_defaults(func=cmd_report)
    s = sub.add_parser("copycheck", help="check ad copies against the Advertising Law (exit 1 on a violation)")
    s.add_argument("source", help="a .csv/.xlsx (id, platform, text) or .txt (one copy a line) file, or the copy text itself")
    s.add_argument("--terms", action="append", help="an extra term file (YAML, same form as mopkit/copycheck/terms/*.yaml); repeatable")
    s.add_argument("--config", help="a client config: adds the term files under copycheck.terms")
    s.add_argument("--out", help="write the flagged result here (.xlsx or .csv); default for a file: <name>_copycheck.xlsx beside it")
    s.add_argument("--lang", default="zh", choices=["zh", "en"])
    s.set_defaults(func=cmd_copycheck)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except MopkitError as exc:
        print(f"mopkit: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
