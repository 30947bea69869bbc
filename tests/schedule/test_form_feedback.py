"""Forms answered with problems: a summary at the top (focused), typed values kept."""

from __future__ import annotations

from pathlib import Path

from tests.schedule.test_views import _series_form


def _summary(html: str) -> str:
    assert 'id="problem-summary"' in html
    return html.split('id="problem-summary"', 1)[1].split("</div>", 1)[0]


def test_series_form_problems_are_summed_up_at_the_top(clock, coordinator, login_as):
    client = login_as(coordinator)
    answer = client.post(
        "/series/new",
        data=_series_form(title="Board review", starts_on="2026-09-01", ends_on="2026-08-01"),
    )
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    summary = _summary(html)
    assert html.index('id="problem-summary"') < html.index('id="series-form"')
    assert "before the first date" in summary
    assert 'href="#ends_on"' in summary
    assert 'value="Board review"' in html  # what was typed is kept
    assert 'value="2026-09-01"' in html
    assert "js/forms.js" in html


def test_pages_without_problems_have_no_summary(coordinator, login_as):
    client = login_as(coordinator)
    assert 'id="problem-summary"' not in client.get("/series/new").get_data(as_text=True)


def test_forms_script_focuses_the_summary_and_sends_once():
    script = (Path(__file__).parents[2] / "static/js/forms.js").read_text()
    assert 'getElementById("problem-summary")' in script
    assert "summary.focus()" in script
    assert "button.disabled = true" in script
