"""Accounts of the office server, on both ledger backends: roles, argon2 hashes, the login
check and its rate limit, the last 管理 account, and the ``jiancha users`` commands."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from jiancha_docs.accounts import (
    LOCK_MINUTES,
    MAX_FAILURES,
    AccountError,
    Accounts,
    LoginRefused,
    Role,
    accounts_exist,
    admin_exists,
)
from jiancha_docs.config import load_settings
from jiancha_docs.ledger import open_ledger
from jiancha_docs.ledger.audit import Actor, trail

ADMIN = Actor("管理员", "命令行@test")


def test_an_account_signs_in_with_its_password_only(ledger_target: Path | str) -> None:
    with open_ledger(ledger_target) as ledger:
        accounts = Accounts(ledger, ADMIN)
        accounts.add("张三", Role.CLERK, "correct horse")
        account = accounts.authenticate("张三", "correct horse", "192.0.2.7")
        assert (account.name, account.role, account.disabled) == ("张三", Role.CLERK, False)
        with pytest.raises(LoginRefused) as caught:
            accounts.authenticate("张三", "wrong horse", "192.0.2.7")
        assert caught.value.message == "用户名或密码不对"
        with pytest.raises(LoginRefused) as unknown:
            accounts.authenticate("李四", "correct horse", "192.0.2.7")
        assert unknown.value.message == "用户名或密码不对"  # does not tell which names exist
        stored = ledger._sql("SELECT password_hash FROM accounts").fetchone()[0]
        assert stored.startswith("$argon2id$") and "correct horse" not in stored
        lines = trail(ledger)
    assert [(a.action, a.actor, a.source, a.note) for a in lines] == [
        ("account", "管理员", "命令行@test", "新建账户"),
        ("login", "张三", "192.0.2.7", None),
        ("login_failed", "张三", "192.0.2.7", "密码错误"),
        ("login_failed", "李四", "192.0.2.7", "账户不存在"),
    ]
    assert not any("argon2" in json.dumps(a.as_json(), ensure_ascii=False) for a in lines)


def test_too_many_failed_logins_lock_the_account_for_a_while(ledger_target: Path | str) -> None:
    start = dt.datetime(2025, 3, 1, 9, 0, 0)
    with open_ledger(ledger_target) as ledger:
        accounts = Accounts(ledger, ADMIN)
        accounts.add("张三", Role.REVIEWER, "correct horse")
        for minute in range(MAX_FAILURES):
            with pytest.raises(LoginRefused, match="用户名或密码不对"):
                accounts.authenticate(
                    "张三", "guess", "198.51.100.1", at=start + dt.timedelta(minutes=minute)
                )
        # Now even the right password is refused, without being checked.
        with pytest.raises(LoginRefused) as caught:
            accounts.authenticate("张三", "correct horse", "198.51.100.1", at=start + dt.timedelta(minutes=6))
        assert caught.value.message == (
            f"账户“张三”连续登录失败 {MAX_FAILURES} 次，已暂停登录 {LOCK_MINUTES} 分钟，请稍后再试"
        )
        later = start + dt.timedelta(minutes=MAX_FAILURES + LOCK_MINUTES)
        assert accounts.authenticate("张三", "correct horse", "198.51.100.1", at=later).name == "张三"
        # A success resets the count.
        with pytest.raises(LoginRefused, match="用户名或密码不对"):
            accounts.authenticate("张三", "guess", "198.51.100.1", at=later + dt.timedelta(seconds=5))
        assert accounts.authenticate("张三", "correct horse", "x", at=later + dt.timedelta(seconds=10))


def test_disabled_accounts_and_the_last_admin(ledger_target: Path | str) -> None:
    with open_ledger(ledger_target) as ledger:
        accounts = Accounts(ledger, ADMIN)
        assert not accounts.exist() and not accounts.admin_exists()
        accounts.add("主任", Role.ADMIN, "correct horse")
        assert accounts.admin_exists()
        with pytest.raises(AccountError, match="“主任”是唯一可用的管理账户，不能停用"):
            accounts.set_disabled("主任")
        with pytest.raises(AccountError, match="不能改为其他角色"):
            accounts.set_role("主任", Role.CLERK)
        accounts.add("张三", Role.CLERK, "correct horse")
        accounts.set_disabled("张三")
        with pytest.raises(LoginRefused, match="账户“张三”已停用，请联系管理员"):
            accounts.authenticate("张三", "correct horse", "x")
        accounts.set_disabled("张三", False)
        accounts.set_password("张三", "battery staple")
        assert accounts.authenticate("张三", "battery staple", "x").role == Role.CLERK
        changes = [(a.note, a.before, a.after) for a in trail(ledger) if a.action == "account"]
    assert changes[-3:] == [
        (
            "停用账户",
            {"name": "张三", "role": "文书", "disabled": False},
            {"name": "张三", "role": "文书", "disabled": True},
        ),
        (
            "恢复账户",
            {"name": "张三", "role": "文书", "disabled": True},
            {"name": "张三", "role": "文书", "disabled": False},
        ),
        (
            "修改密码",
            {"name": "张三", "role": "文书", "disabled": False},
            {"name": "张三", "role": "文书", "disabled": False},
        ),
    ]


@pytest.mark.parametrize(
    "name,password,message",
    [
        ("张 三", "correct horse", "账户名“张 三”无效：应为 1 至 32 个汉字、字母、数字或 . - _ @，不含空格"),
        ("张三", "short", "密码太短：至少 8 个字符"),
        ("张三", " padded pass ", "密码首尾不能有空格"),
    ],
)
def test_bad_names_and_passwords_are_refused(tmp_path: Path, name: str, password: str, message: str) -> None:
    with open_ledger(tmp_path / "l.db") as ledger:
        with pytest.raises(AccountError) as caught:
            Accounts(ledger).add(name, Role.CLERK, password)
        assert caught.value.message == message
        assert not Accounts(ledger).exist()


def test_roles_are_typed_in_chinese_and_stored_in_english() -> None:
    assert [Role.parse(t) for t in ("文书", "审核", "管理", "admin")] == [
        Role.CLERK,
        Role.REVIEWER,
        Role.ADMIN,
        Role.ADMIN,
    ]
    with pytest.raises(AccountError, match="角色“领导”无效，应为：文书、审核、管理"):
        Role.parse("领导")


def test_the_web_asks_whether_accounts_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "l.db"
    monkeypatch.setenv("JIANCHA_DB", str(db))
    settings = load_settings(cwd=tmp_path)
    assert not accounts_exist(settings) and not admin_exists(settings)
    assert not db.exists()  # asking creates nothing
    with open_ledger(db) as ledger:
        Accounts(ledger).add("张三", Role.CLERK, "correct horse")
    assert accounts_exist(settings) and not admin_exists(settings)


def users(capsys, monkeypatch, *args: str, stdin: str = "") -> tuple[int, str, str]:
    """``jiancha users …`` through the real entry point: exit code, stdout, stderr."""
    import io

    from jiancha_docs.cli import main

    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    try:
        main(["users", *args])
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "内部错误" not in err
    return code, out, err


def test_users_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("JIANCHA_DB", str(tmp_path / "l.db"))

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        return users(capsys, monkeypatch, *args, stdin=stdin)

    assert run("add", "张三", "--role", "管理", "--password-stdin", stdin="correct horse\n") == (
        0,
        "已新建账户“张三”（管理）。\n",
        "",
    )
    assert run("add", "李四", "--role", "文书", "--password-stdin", stdin="short\n") == (
        1,
        "",
        "错误：密码太短：至少 8 个字符\n",
    )
    assert run("add", "李四", "--role", "文书", "--password-stdin", stdin="battery staple\n")[0] == 0
    code, out, _ = run("list", "--json")
    assert sorted((a["name"], a["role"], a["disabled"]) for a in json.loads(out)) == [
        ("张三", "admin", False),
        ("李四", "clerk", False),
    ]
    assert run("disable", "李四")[1] == "已停用账户“李四”。\n"
    code, _, err = run("disable", "张三")
    assert code == 1 and "“张三”是唯一可用的管理账户，不能停用" in err
    assert run("role", "李四", "审核")[1] == "账户“李四”的角色现为“审核”。\n"
    assert (
        run("passwd", "李四", "--password-stdin", stdin="another pass\n")[1] == "已修改账户“李四”的密码。\n"
    )
    code, _, err = run("passwd", "王五", "--password-stdin", stdin="another pass\n")
    assert code == 1 and "没有账户“王五”" in err
    assert "李四  审核  已停用" in run("list")[1]
    code, _, err = run("add", "赵六", "--role", "文书")  # stdin is not a terminal: no silent read
    assert code == 2 and "需要输入密码" in err
