from rag.types import Answer, Citation

from ui.app import build_app, sources_markdown


def citation(**kw):
    base = dict(n=1, article_id="a", chunk_id="a:0", title="T", date="2024-03-12", source="S", url=None,
                passage="P", start=0, end=1, support=0.9)
    return Citation(**{**base, **kw})


def test_sources_are_escaped():
    answer = Answer("q", "fr", "x [1].", False, (citation(title="<img src=x onerror=alert(1)>", passage="<script>alert(2)</script>",
                                                          url="javascript:alert(3)"),))
    html = sources_markdown(answer)
    assert "<img" not in html and "<script>" not in html and "javascript:" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_refusal_shows_no_sources():
    assert sources_markdown(Answer("q", "fr", "Les articles ne le disent pas.", True, (citation(),))) == ""


def test_build_app_does_not_launch(fake_pipeline):
    app = build_app(fake_pipeline)
    assert app is not None and not getattr(app, "is_running", False)
