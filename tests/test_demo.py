"""`python -m bot demo`: the scripted tour plays offline, end to end, and prints a readable transcript."""

from __future__ import annotations

from pathlib import Path

import pytest

from offline.demo import demo
from tests.conftest import make_settings


async def test_demo_plays_the_story_and_exits_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configured = tmp_path / "configured.db"

    code = await demo(make_settings(f"sqlite+aiosqlite:///{configured}"))

    out = capsys.readouterr().out
    assert code == 0, out
    assert "── 1. 机器人入群" in out
    assert "[幸福里3号楼邻里群] 李书记 ➕ 把 Linli 拉进群" in out
    assert "大家好，我是邻里助手" in out  # the greeting
    assert "✅ 本群已绑定到“幸福里社区”" in out
    assert "✅ 本群已设为“幸福里社区”的工作群" in out
    assert "start=join-" in out and "✅ 您已加入 幸福里社区" in out  # the invite link works
    assert "已授予 小赵“网格员”身份（幸福里社区），负责：3号楼、5号楼" in out
    assert "[私聊·老张] 老张 👆 按下 [电工]" in out  # the skills picker
    assert "[2 ✅ 电工]" in out
    assert "🎉 感谢登记成为“幸福里社区”的志愿者" in out
    assert "[私聊·小刘] 小刘：/volunteer 小刘 | 5号楼1单元 | 跑腿,陪护 | 否" in out
    # 孙大爷 was in the group before Linli and never wrote there: Telegram is asked, he registers.
    quiet = out.split("[私聊·孙大爷] 孙大爷：/volunteer", 1)[1].split("──", 1)[0]
    assert "🎉 感谢登记成为“幸福里社区”的志愿者" in quiet
    assert "楼栋：3号楼1单元" in quiet  # 三号楼一单元, read the way triage reads a request's building
    # A greeting in private gets the menu of common things, not an offer to post it as a request.
    greeting = out.split("[私聊·小陈] 小陈：你好🙏", 1)[1].split("──", 1)[0]
    assert "[1 🆘 我要求助]" in greeting and "登记为求助" not in greeting
    assert "[1 ✅ 通过] [2 ❌ 不通过]" in out  # the application card in the staff group
    assert "李书记 👆 按下 [✅ 通过]" in out
    assert "✅ 您在“幸福里社区”的志愿者申请已通过" in out
    assert "• 老张　3号楼2单元　维修、电工　☭　[在岗]" in out
    assert "OK, I will speak English with you from now on." in out
    assert "抱歉，只有社区工作人员可以绑定群组。" in out
    assert "抱歉，只有本社区的工作人员可以这样做。" in out
    assert "（重复投递：没有第二次效果）" in out
    # The request loop, from a #求助 photo to the 晒单 card edited by the rating.
    assert "王阿姨：[图片] #求助 3号楼2单元501" in out
    group_card = out.split("[幸福里3号楼邻里群] 🤖 Linli：\n    #1 维修 · 3号楼 2单元\n", 1)[1].split(
        "[1 🙋", 1
    )[0]
    assert "501" not in group_card and "13812345678" not in group_card  # never in the group
    assert "老张 👆 按下 [🙋 我来接单]" in out
    assert "王阿姨 👆 按下 [✅ 已解决]" in out
    assert "🎉 晒单 #1 维修 · 3号楼" in out
    assert "居民评价：⭐⭐⭐⭐⭐" in out
    assert "+10 办结求助 #1" in out
    assert "谢谢您！求助 #2 已经由" in out  # the second of two simultaneous claims
    # Typed on a phone's Chinese keyboard: a full-width ＃ files the request like #.
    phone = out.split("王阿姨：＃求助 3号楼 楼道的灯不亮了", 1)[1].split("──", 1)[0]
    assert "#3 维修 · 3号楼" in phone
    assert "Did you mean /take 3?\n" in phone  # a mistyped command gets a suggestion, on its own line
    assert "李书记 👆 按下 [派给 老张]" in out
    # The points shop: a redemption with its code and QR, a refused over-spend, the merchant's 核销.
    shop = out.split("── 24. 积分超市", 1)[1]
    assert "✅ 兑换成功：理发券" in shop and "[图片] 理发券 兑换码" in shop
    assert "Not enough points" in shop  # 小刘 reads English since he switched
    assert "✅ 已核销：理发券，老张" in shop
    # Narrated in the reader's language: no English verbs, photos as [图片], no Telegram ids.
    assert "[幸福里社区工作群] 🤖 Linli：[图片] #1" in out
    assert "presses" not in out and "[photo]" not in out and "pop-up" not in out
    assert "update #" not in out and "message #" not in out
    assert "── 演示结束 ──" in out
    assert "!!" not in out
    assert not configured.exists()  # the demo keeps its own temporary database


async def test_demo_in_english(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = await demo(make_settings(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}"), locale="en")

    out = capsys.readouterr().out
    assert code == 0, out
    assert "Hello everyone, I am Linli" in out
    assert "[1 ✅ Approve] [2 ❌ Reject]" in out
    assert "好的，以后我用中文和您说话。" in out  # the one person who switches goes the other way
    assert "(redelivered: no second effect)" in out
    assert "李书记 ➕ adds Linli to the group" in out and "👆 presses [" in out
    assert "[photo] #1" in out and "按下" not in out
