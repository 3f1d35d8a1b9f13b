"""Opens a proposal page the way a client does, in Debian's Chromium driven by Playwright, and
reports what happened as JSON on stdout (the Rust test in functions/local/tests/e2e.rs
asserts on it).

    proposal.py URL OUT_DIR [--approve] [--bucket-host=HOST:PORT]
    proposal.py URL OUT_DIR --gone     (what a revoked or expired link shows)

Desktop (1280 x 900) and phone (390 x 844, touch, a phone's user agent) visits: what the page
shows (plan, products, renders, panoramas), whether model-viewer loaded its GLB, console
errors, requests to any host but the API's and the bucket's, the bytes each resource took,
and a screenshot of each width. With --approve, the desktop visit then presses "Approve".
"""

import json
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

from PIL import Image, ImageStat
from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        # WebGL in software: model-viewer draws with it on a machine without a GPU.
        "--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]
PHONE_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0 Mobile Safari/537.36")


def visit(browser, url, out, name, viewport, phone, approve, bucket_hosts):
    context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone,
                                  user_agent=PHONE_UA if phone else None)
    page = context.new_page()
    errors, foreign, sizes = [], [], {}
    page_host = urlparse(url).netloc
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))

    def on_request(request):
        host = urlparse(request.url).netloc
        if request.url.startswith(("data:", "blob:")):
            return
        if host != page_host and host not in bucket_hosts:
            foreign.append(request.url)

    def on_finished(request):
        # Bytes on the wire (a gzipped script counts gzipped).
        sizes[request.url.split("?")[0]] = request.sizes()["responseBodySize"]

    page.on("request", on_request)
    page.on("requestfinished", on_finished)
    started = time.perf_counter()
    response = page.goto(url, wait_until="load")
    loaded_s = time.perf_counter() - started
    result = {"status": response.status, "load_s": round(loaded_s, 3)}
    result["title"] = page.title()
    result["plan_svg"] = page.locator("#plan svg").count()
    result["product_rows"] = page.locator("#products table.lines tbody tr").count()
    result["product_names"] = page.locator("#products table.lines tbody td:nth-child(2)").all_inner_texts()
    result["renders"] = page.evaluate(
        "[...document.querySelectorAll('#renders img')].filter(i => i.complete && i.naturalWidth > 0).length")
    result["panoramas"] = page.locator("#panoramas .pano").count()
    if result["panoramas"]:
        # Dragging the panorama turns the view.
        pano = page.locator("#panoramas .pano").first
        pano.scroll_into_view_if_needed()
        before = pano.evaluate("e => getComputedStyle(e).backgroundPositionX")
        box = pano.bounding_box()
        y = box["y"] + box["height"] / 2
        page.mouse.move(box["x"] + box["width"] * 0.7, y)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.3, y, steps=5)
        page.mouse.up()
        after = pano.evaluate("e => getComputedStyle(e).backgroundPositionX")
        result["panorama_turned"] = before != after
    result["page_text_has_project_ids"] = "prj_" in page.content()
    if page.locator("model-viewer").count():
        # model-viewer loads its model when it comes into view, as the client scrolls to it.
        page.locator("model-viewer").scroll_into_view_if_needed()
        # It sets `loaded` once the GLB is parsed. (Polled from here: the page's
        # policy forbids the in-page eval that wait_for_function uses, as it should.)
        deadline = time.time() + 60
        loaded = False
        while not loaded and time.time() < deadline:
            loaded = page.evaluate("document.querySelector('model-viewer').loaded === true")
            page.wait_for_timeout(250)
        result["model_loaded"] = loaded
        page.wait_for_timeout(1500)
    else:
        result["model_loaded"] = False
    page.wait_for_load_state("networkidle")
    shot = Path(out) / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    with Image.open(shot) as image:
        stat = ImageStat.Stat(image.convert("L"))
        result["screenshot"] = {"path": str(shot), "size": image.size,
                                "stddev": round(stat.stddev[0], 2)}
    # The model viewer's own picture: not blank when the model is drawn.
    if result["model_loaded"]:
        viewer = Path(out) / f"{name}-model.png"
        page.locator("model-viewer").screenshot(path=str(viewer))
        with Image.open(viewer) as image:
            result["model_stddev"] = round(ImageStat.Stat(image.convert("L")).stddev[0], 2)
    result["bytes"] = sizes
    if approve:
        page.fill("textarea[name=comment]", "Lovely - go ahead.")
        page.fill("input[name=name]", "Kim from Harbour")
        with page.expect_navigation():
            page.click("button[value=approve]")
        result["after_approve"] = {"url": page.url,
                                   "notice": page.locator(".notice").all_inner_texts(),
                                   "status": page.locator(".status").get_attribute("data-status")}
    result["console_errors"] = errors
    result["foreign_requests"] = foreign
    context.close()
    return result


def gone(browser, url):
    page = browser.new_page()
    response = page.goto(url)
    report = {"status": response.status, "text": page.inner_text("body")}
    page.close()
    return report


def main():
    url, out = sys.argv[1], sys.argv[2]
    if "--gone" in sys.argv:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            print(json.dumps(gone(browser, url)))
            browser.close()
        return
    approve = "--approve" in sys.argv
    bucket_hosts = [a.split("=", 1)[1] for a in sys.argv if a.startswith("--bucket-host=")]
    Path(out).mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        report = {
            "phone": visit(browser, url, out, "phone", {"width": 390, "height": 844}, True, False,
                           bucket_hosts),
            "desktop": visit(browser, url, out, "desktop", {"width": 1280, "height": 900}, False,
                             approve, bucket_hosts),
        }
        browser.close()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
