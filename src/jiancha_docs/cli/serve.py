"""``jiancha serve``: the web front for clerks, on the same core library (web/)."""

from __future__ import annotations

from pathlib import Path

import click

from .app import Env, cli


@cli.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="监听的地址；尚未设置账号时只能是本机地址。"
)
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True, help="端口。")
@click.option("--open", "open_browser", is_flag=True, help="启动后在浏览器中打开。")
@click.option(
    "-o",
    "--outdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out"),
    show_default=True,
    help="生成的文书保存到哪个文件夹（同 jiancha render -o）。",
)
@click.option("--no-preview", is_flag=True, help="不启动 LibreOffice，预览只显示文字。")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="工作进程数（多人共用的服务器可设为 CPU 核数）。",
)
@click.pass_obj
def serve(
    env: Env, host: str, port: int, open_browser: bool, outdir: Path, no_preview: bool, workers: int
) -> None:
    """在本机启动网页界面：按表填写文书、即时预览、上传登记表批量生成、查看台账、检索法规。

    默认只在本机（127.0.0.1）提供服务，在浏览器中打开 http://127.0.0.1:8765 即可使用；按 Ctrl+C 停止。

    台账中有账户（jiancha users add）后，每个页面都要登录，各角色只能做本角色的事；有可用的管理账户后，
    才能用 --host 0.0.0.0 让办公室里的其他电脑访问（加密请用反向代理，见 docs/deploy）。
    """
    from ..web.security import check_bind
    from ..web.server import serve_forever

    check_bind(host, env.settings)
    url = f"http://{host if ':' not in host else f'[{host}]'}:{port}/"
    click.echo(f"网页界面：{url}（按 Ctrl+C 停止）", err=True)
    serve_forever(
        env.config_path,
        host,
        port,
        outdir,
        preview=not no_preview,
        open_browser=open_browser,
        workers=workers,
    )
