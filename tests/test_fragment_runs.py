"""Play and strokes rerun only the board fragment, over Streamlit's own protocol (tools/load.py's client: what a
browser sends and receives, no browser): after Play, and after a point drawn while playing, the server sends
nothing of the sidebar or the tabs, and the stroke is applied and acknowledged while Play goes on; Pause reruns the
whole page."""

import asyncio

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tools import load
from tools.browser import running_app


class Recorder(load.Client):
    """A client that also keeps, for every element sent, the fragment it was sent in ("": the whole page's run)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sent: list[tuple[str, str]] = []  # (element type, fragment id)

    def _take(self, raw):
        fm = ForwardMsg()
        fm.ParseFromString(raw if isinstance(raw, bytes) else raw.encode())
        if fm.WhichOneof("type") == "delta" and fm.delta.WhichOneof("type") == "new_element":
            self.sent.append((fm.delta.new_element.WhichOneof("type"), fm.delta.fragment_id))
        return super()._take(raw)


@pytest.fixture(scope="module")
def app_url():
    with running_app(env={"BACKPROP_PREWARM": "0"}) as url:
        yield url


async def scenario(url: str) -> dict:
    c = Recorder(url, "")
    try:
        await load.load_page(c)
        full_page = {t for t, _ in c.sent}
        board = c.fragment_of.get(c.board_id)
        assert board, "the board is drawn in a fragment"
        assert c.fragment_of[c.button("Play")] == board
        await load.step10(c, c.epoch or 0)
        c.sent.clear()
        await c.click("Play")
        await c.pump(3.0)
        after_play = list(c.sent)
        epoch = c.epoch
        c.sent.clear()
        await c.stroke("add", [[0.05, 0.05]])
        await c.pump(2.0)
        after_stroke, unacked, epoch_after = list(c.sent), dict(c.unacked), c.epoch
        c.sent.clear()
        await c.click("Pause")
        status = await c.until_finished(full=True)
        return {
            "full_page": full_page,
            "after_play": after_play,
            "after_stroke": after_stroke,
            "unacked": unacked,
            "epochs": (epoch, epoch_after),
            "pause": (status, list(c.sent)),
        }
    finally:
        await c.close()


def test_play_and_strokes_rerun_only_the_board_fragment(app_url):
    r = asyncio.run(scenario(app_url))
    assert "slider" in r["full_page"] and "plotly_chart" in r["full_page"]  # the page has a sidebar and tabs
    for when in ("after_play", "after_stroke"):
        sent = r[when]
        assert sent, f"nothing sent {when}"
        outside = [t for t, frag in sent if not frag]
        assert not outside, f"{when}: elements of the whole page sent: {outside[:8]}"
        assert "plotly_chart" not in {t for t, _ in sent}  # (the tabs' charts)
    assert not r["unacked"], "the stroke drawn while playing was not acknowledged within 2 s"
    assert r["epochs"][1] > r["epochs"][0], "Play did not go on after the stroke"
    status, sent = r["pause"]
    assert status == load.FINISHED_OK
    assert any(not frag for _, frag in sent), "Pause reruns the whole page (its tabs show the epoch it stopped at)"
