"""Content identity of WPS URLs and which links are followed."""
from crawler.identity import article_id, is_media_url, wcm_path_from_url, wcm_path_from_urls
from crawler.links import classify

PATH = "/hoangmai/site/tin-tuc-su-kien/kinh-te/cong-tac-can-bo-1"
H = "http://portal.example"


def test_all_url_forms_collapse_to_one_identity():
    forms = [
        f"{H}/wps/portal/hoangmai/tin-tuc?1dmy&current=true&urile=wcm:path:{PATH}",
        f"{H}/wps/portal/hoangmai/tin-tuc?1dmy&current=true&urile=wcm%3apath%3a{PATH.upper()}",
        f"{H}/wps/wcm/connect{PATH}",
        f"{H}/wps/wcm/connect{PATH}/?presentationtemplate=hoangmai/pt_print",
        f"{H}/wps/portal/x?WCM_GLOBAL_CONTEXT=/wps/wcm/connect{PATH}",
        f"{H}/wps/portal/x?PC_7_ABC_WCM_CONTEXT=/wps/wcm/connect{PATH}",
        f"{H}/wps/wcm/myconnect{PATH}",
    ]
    assert {wcm_path_from_url(u) for u in forms} == {PATH}
    assert len({article_id(wcm_path_from_url(u)) for u in forms}) == 1


def test_state_and_friendly_urls_do_not_tell():
    assert wcm_path_from_url(f"{H}/wps/portal/hoangmai/!ut/p/c5/04_SB8K8/dl3/d3/L2dBISEvZ0FBIS9nQSEh/") is None
    assert wcm_path_from_url(f"{H}/wps/portal/hoangmai/tin-tuc-su-kien/kinh-te/cong-tac") is None
    assert wcm_path_from_urls([f"{H}/x", f"{H}/wps/wcm/connect{PATH}?presentationtemplate=a/b"]) == PATH


def test_media_urls_are_not_content():
    url = f"{H}/wps/wcm/connect/0f3c2a10-1234-4bcd-9abc-0123456789ab/anh1.jpg?MOD=AJPERES&CACHEID=0f3c"
    assert is_media_url(url)
    assert wcm_path_from_url(url) is None


def _cls(href, **kw):
    return classify(href, href if href.startswith("http") else H + "/" + href.lstrip("/"), page_url=H + "/p", **kw)


def test_unsafe_links_are_skipped():
    assert _cls("javascript:void(0)") is None
    assert _cls("#skip_7_0O0KBA5N1E0MH2V35P000000") is None
    assert _cls("mailto:a@b.vn") is None
    assert _cls(f"{H}/wps/myportal/") is None
    assert _cls(f"{H}/wps/portal/hoangmai/!ut/p/c5/x/dl3/d3/y/pw/Z7_ABC/pm=help/-/") is None
    assert _cls(f"{H}/wps/portal/a", text="Portlet Menu") is None
    assert classify("http://other.example/a", "http://other.example/a", allowed_hosts=frozenset({"portal.example"})) is None


def test_pager_links_carry_their_page_number():
    link = _cls(f"{H}/wps/portal/hoangmai/!ut/p/c5/x/dl3/d3/y/p0/IZ7_A=CZ6_B=NJq=/", anchor_id="pc0_linkToPage_4")
    assert (link.kind, link.page_no) == ("pager", 4)
    nxt = _cls(f"{H}/wps/portal/hoangmai/!ut/p/c5/x/p0/IZ7_A=/", anchor_id="pc0_nextPage")
    assert (nxt.kind, nxt.pager_rel) == ("pager", "next")
    assert _cls(f"{H}/wps/portal/hoangmai/!ut/p/c5/x/dl3/d3/y/").kind == "state"
    assert _cls(f"{H}/wps/portal/hoangmai/gioi-thieu").kind == "page"
