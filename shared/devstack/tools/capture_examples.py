#!/usr/bin/env python3
"""Walks a running `make dev` stack through every operation as a client would and keeps what
was sent and answered as the OpenAPI document's examples.

    make openapi-examples            (make dev running on PORT, default 3000)
    capture_examples.py BASE_URL OUT.json --password DEMO_PASSWORD [--erp-secret SECRET]

The walk signs in as the demo admin, signs a new user up, makes a project with a floor plan,
scenarios, versions, a generated layout, an export, a render and a floor-plan import read by
the vision worker, touches the catalog, makers, chat, events, recommendations and usage, and
finally erases the user it made. For every operation the first successful exchange is kept:
the request body and the response body per status. Lists are cut to their first three
entries, long strings (tokens, signed URLs) kept as they are; local addresses become the
documented example hosts. What a local stack cannot do (orders without an ERP, concept images
without Bedrock, visual search without an image encoder, a webhook to a public receiver) is
written by `written()` from the captured exchanges, so the ids agree.
"""

import argparse
import hashlib
import hmac
import io
import json
import re
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from PIL import Image, ImageDraw

API_HOST = "https://api.roomwright.example"
S3_HOST = "https://s3.eu-west-1.amazonaws.com"


class Walk:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.token = None
        self.captured = {}
        self.failed = []

    def call(self, method, template, params=None, body=None, *, raw=None, content_type=None,
             headers=None, token=None, query="", keep=True):
        path = template
        for name, value in (params or {}).items():
            path = path.replace("{" + name + "}", str(value))
        request_headers = {"accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            request_headers["content-type"] = "application/json"
        elif raw is not None:
            data = raw
            request_headers["content-type"] = content_type
        bearer = token if token is not None else self.token
        if bearer:
            request_headers["authorization"] = f"Bearer {bearer}"
        request_headers.update(headers or {})
        url = self.base + path + (("?" + query) if query else "")
        request = urllib.request.Request(url, data=data, method=method, headers=request_headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, answer, got = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, answer, got = error.code, error.read(), error.headers
        kind = got.get("content-type", "")
        parsed = json.loads(answer) if "json" in kind and answer else None
        key = f"{method} {template}"
        print(f"{status} {key}", file=sys.stderr)
        if status >= 300:
            self.failed.append((key, status, answer[:300].decode(errors="replace")))
            return status, None, got
        if keep:
            entry = self.captured.setdefault(key, {"responses": {}})
            if body is not None and "request" not in entry:
                entry["request"] = body
            elif raw is not None and content_type.startswith("text/") and "request" not in entry:
                entry["request"] = raw.decode()
            if parsed is not None and str(status) not in entry["responses"]:
                entry["responses"][str(status)] = parsed
        return status, parsed, got

    def tidy(self, value):
        if isinstance(value, list):
            items = value[:3] if value and isinstance(value[0], dict) else value
            return [self.tidy(v) for v in items]
        if isinstance(value, dict):
            return {k: self.tidy(v) for k, v in value.items()}
        if value == "127.0.0.1":  # a client's address (audit): a documentation one
            return "203.0.113.24"
        if isinstance(value, str):
            value = value.replace(self.base, API_HOST)
            value = re.sub(r"http://(127\.0\.0\.1|localhost):\d+", S3_HOST, value)
            value = value.replace("/roomwright-local-", "/roomwright-")
        return value


def jpeg(colour, accent):
    """A small room-like picture: a floor, a wall, a window, a sofa."""
    image = Image.new("RGB", (320, 240), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 170, 320, 240], fill=(150, 120, 90))
    draw.rectangle([200, 40, 290, 120], fill=(200, 225, 240))
    draw.rectangle([40, 130, 170, 185], fill=accent)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def plan_png():
    """A two-room office drawn in black lines with a dimension, for the floor-plan reader."""
    image = Image.new("RGB", (1200, 800), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([100, 100, 1100, 700], outline="black", width=12)
    draw.line([600, 100, 600, 700], fill="black", width=6)
    draw.text((300, 380), "Open Plan", fill="black")
    draw.text((800, 380), "Meeting", fill="black")
    draw.line([100, 750, 1100, 750], fill="black", width=2)
    draw.text((560, 755), "10.00 m", fill="black")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def put(url, data, content_type):
    request = urllib.request.Request(url, data=data, method="PUT",
                                     headers={"content-type": content_type})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status


def mailbox_token(emails_url, address, page, seen=0):
    """The token of the newest `/account/<page>#token=` link sent to `address` (beyond the
    first `seen` messages), from the local SES's list of sent messages."""
    for _ in range(100):
        with urllib.request.urlopen(emails_url, timeout=10) as response:
            messages = json.load(response)
        mine = [m for m in messages if address in m["to"]]
        if len(mine) > seen:
            found = re.search(rf"/account/{page}#token=([A-Za-z0-9_-]+)", mine[-1]["body"] or "")
            if found:
                return found.group(1)
        time.sleep(0.1)
    raise SystemExit(f"no {page} email reached {address}")


def wait_job(walk, job_id, seconds=240):
    deadline = time.time() + seconds
    while time.time() < deadline:
        _, job, _ = walk.call("GET", "/v1/jobs/{id}", {"id": job_id}, keep=False)
        if job and job["status"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            return job
        time.sleep(2)
    return None


def run(walk, password, erp_secret, emails):
    call = walk.call
    call("GET", "/v1/health")
    call("GET", "/.well-known/jwks.json")
    call("GET", "/.well-known/openid-configuration")

    _, tokens, _ = call("POST", "/v1/auth/login",
                        body={"email": "admin@example.com", "password": password})
    walk.token = tokens["access_token"]
    call("POST", "/v1/auth/refresh", body={"refresh_token": tokens["refresh_token"]})
    tokens = call("POST", "/v1/auth/login", keep=False,
                  body={"email": "admin@example.com", "password": password})[1]
    walk.token = tokens["access_token"]

    # A new designer joins by invitation.
    suffix = uuid.uuid4().hex[:6]
    email = f"lena.park.{suffix}@studio.example"
    call("POST", "/v1/admin/invites", body={"email": email, "role": "designer"})
    invite_token = mailbox_token(emails, email, "invite")
    call("POST", "/v1/auth/signup", token="", body={
        "email": email, "password": "Maple-Atrium-42", "name": "Lena Park",
        "company": "Park & Wells Interiors", "invite_token": invite_token})
    lena_token = call("POST", "/v1/auth/login", keep=False, token="",
                      body={"email": email, "password": "Maple-Atrium-42"})[1]["access_token"]
    call("GET", "/v1/me", token=lena_token)
    call("PATCH", "/v1/me", token=lena_token, body={"name": "Lena Park-Wells"})
    call("POST", "/v1/me/password", token=lena_token,
         body={"current_password": "Maple-Atrium-42", "new_password": "Birch-Loggia-77"})
    # She forgets it: a reset link by email.
    call("POST", "/v1/auth/password-reset", token="", body={"email": email})
    reset_token = mailbox_token(emails, email, "reset")
    call("POST", "/v1/auth/password-reset/confirm", token="",
         body={"token": reset_token, "password": "Cedar-Pergola-18"})
    lena_token = call("POST", "/v1/auth/login", keep=False, token="",
                      body={"email": email, "password": "Cedar-Pergola-18"})[1]["access_token"]
    # Someone signs up on their own and confirms the address.
    theo = f"theo.marsh.{suffix}@studio.example"
    call("POST", "/v1/auth/signup", token="", body={
        "email": theo, "password": "Quartz-Lantern-63", "name": "Theo Marsh"})
    mailbox_token(emails, theo, "verify")
    theo_token = call("POST", "/v1/auth/login", keep=False, token="",
                      body={"email": theo, "password": "Quartz-Lantern-63"})[1]["access_token"]
    call("POST", "/v1/auth/verify/resend", token=theo_token)
    verify_token = mailbox_token(emails, theo, "verify", seen=1)
    call("POST", "/v1/auth/verify", token="", body={"token": verify_token})
    call("GET", "/v1/me/notification-preferences", token=theo_token)
    call("PUT", "/v1/me/notification-preferences", token=theo_token,
         body={"project_shared": True, "job_finished": False, "proposal_feedback": True})
    call("GET", "/v1/admin/users", query="role=designer&limit=3")
    users = call("GET", "/v1/admin/users", keep=False, query="limit=100")[1]
    lena_id = next(u["id"] for u in users["items"] if u["email"] == email)
    call("POST", "/v1/admin/users/{id}/disable", {"id": lena_id})
    call("POST", "/v1/admin/users/{id}/enable", {"id": lena_id})
    call("PUT", "/v1/admin/users/{id}/role", {"id": lena_id}, body={"role": "designer"})
    lena_token = call("POST", "/v1/auth/login", keep=False, token="",
                      body={"email": email, "password": "Cedar-Pergola-18"})[1]["access_token"]

    # Catalog: what a designer looks up.
    _, found, _ = call("GET", "/v1/products/search",
                       query="q=task%20chair&in_stock=true&sort=relevance&limit=3")
    chairs = [hit["product"]["id"] if "product" in hit else hit["id"] for hit in found["items"]]
    desks = call("GET", "/v1/products/search", keep=False, query="q=desk&limit=2")[1]["items"]
    desk = desks[0]["product"]["id"] if "product" in desks[0] else desks[0]["id"]
    call("POST", "/v1/products/semantic-search", body={
        "query": "warm oak meeting table for eight", "in_stock": True, "limit": 3,
        "price_max": 450000})
    chair = chairs[0]
    call("GET", "/v1/products/{id}", {"id": chair})
    call("GET", "/v1/products/{id}/similar", {"id": chair}, query="limit=3&in_stock=true")
    call("GET", "/v1/products/{id}/availability", {"id": chair})

    # Projects.
    _, project, got = call("POST", "/v1/projects", body={
        "name": "Harbour Lane HQ, level 3",
        "client": "Harbour Lane Capital",
        "description": "Fit-out of the third floor: open plan for 24, two meeting rooms.",
        "site_address": "Wilhelminakade 12, 3072 AP Rotterdam",
        "tags": ["fit-out", "2027-q1"],
        "requirements": {
            "budget_ceiling_minor": 18000000, "currency": "EUR", "headcount": 24,
            "rooms_needed": [{"kind": "meeting", "count": 2}, {"kind": "open_plan", "count": 1}],
            "style_preferences": ["scandinavian", "warm oak"],
            "work_styles": ["hybrid", "focus"],
            "sustainability": {"certifications": ["FSC"], "min_recycled_content_pct": 30.0}}})
    pid = project["id"]
    etag = {"v": got.get("etag")}

    def project_call(method, template, params=None, body=None, **kw):
        status, answer, headers = call(method, template, {"id": pid, **(params or {})}, body,
                                       headers={"if-match": etag["v"]}, **kw)
        if headers.get("etag"):
            etag["v"] = headers.get("etag")
        return status, answer, headers

    call("GET", "/v1/projects", query="status=draft&limit=3")
    project_call("GET", "/v1/projects/{id}")
    project_call("PATCH", "/v1/projects/{id}", body={"client": "Harbour Lane Capital LLP"})
    plan = {
        "units": "m",
        "walls": [
            {"id": "w1", "start": [0, 0], "end": [16, 0], "thickness_m": 0.3, "height_m": 2.8},
            {"id": "w2", "start": [16, 0], "end": [16, 10], "thickness_m": 0.3, "height_m": 2.8},
            {"id": "w3", "start": [16, 10], "end": [0, 10], "thickness_m": 0.3, "height_m": 2.8},
            {"id": "w4", "start": [0, 10], "end": [0, 0], "thickness_m": 0.3, "height_m": 2.8},
            {"id": "w5", "start": [11, 0], "end": [11, 10], "thickness_m": 0.12, "height_m": 2.8},
        ],
        "openings": [
            {"id": "d1", "wall_id": "w5", "kind": "door", "offset_m": 4.5, "width_m": 0.9,
             "height_m": 2.1},
            {"id": "win1", "wall_id": "w1", "kind": "window", "offset_m": 2.0, "width_m": 3.0,
             "height_m": 1.5, "sill_m": 0.9},
        ],
        "rooms": [
            {"id": "open", "name": "Open plan", "kind": "open_plan",
             "polygon": [[0.15, 0.15], [10.94, 0.15], [10.94, 9.85], [0.15, 9.85]]},
            {"id": "meet", "name": "Meeting room", "kind": "meeting",
             "polygon": [[11.06, 0.15], [15.85, 0.15], [15.85, 9.85], [11.06, 9.85]]},
        ],
    }
    project_call("PUT", "/v1/projects/{id}/floor-plan", body=plan)
    project_call("POST", "/v1/projects/{id}/members",
                 body={"email": "designer@example.com", "role": "editor"})
    _, me, _ = call("GET", "/v1/me", keep=False)
    _, designer_view, _ = call("GET", "/v1/projects/{id}", {"id": pid}, keep=False)
    designer_id = next(m["user_id"] for m in designer_view["members"]
                       if m["user_id"] != me["id"])
    # The designer hears of it in the inbox (through the stream's fan-out).
    designer_token = call("POST", "/v1/auth/login", keep=False, token="", body={
        "email": "designer@example.com", "password": password})[1]["access_token"]
    for _ in range(100):
        inbox = call("GET", "/v1/notifications", token=designer_token, keep=False)[1]
        if inbox["items"]:
            break
        time.sleep(0.1)
    call("GET", "/v1/notifications", token=designer_token, query="limit=5")
    call("POST", "/v1/notifications/{id}/read", {"id": inbox["items"][0]["id"]},
         token=designer_token)
    call("POST", "/v1/notifications/read-all", token=designer_token)
    etag["v"] = call("GET", "/v1/projects/{id}", {"id": pid}, keep=False)[2].get("etag")
    project_call("DELETE", "/v1/projects/{id}/members/{user_id}", {"user_id": designer_id})
    scenario = {
        "id": "base", "name": "Base scheme",
        "selections": [
            {"id": "sel-chairs", "product_id": chair, "quantity": 24},
            {"id": "sel-desks", "product_id": desk, "quantity": 22},
            {"id": "sel-desk-window-1", "product_id": desk, "quantity": 1,
             "placement": {"room_id": "open", "x_m": 2.0, "y_m": 1.2, "rotation_deg": 0.0}},
            {"id": "sel-desk-window-2", "product_id": desk, "quantity": 1,
             "placement": {"room_id": "open", "x_m": 3.8, "y_m": 1.2, "rotation_deg": 0.0}},
        ],
        "terms": {"freight_bp": 350, "installation_bp": 800, "project_management_bp": 500,
                  "contingency_bp": 500, "tax_rate_bp": 2000},
    }
    project_call("PUT", "/v1/projects/{id}/scenarios/{scenario_id}", {"scenario_id": "base"},
                 body=scenario)
    project_call("POST", "/v1/projects/{id}/versions", body={"note": "Base scheme for review"})
    project_call("POST", "/v1/projects/{id}/scenarios/{scenario_id}/fit-budget",
                 {"scenario_id": "base"}, body={"budget_minor": 9000000})
    call("GET", "/v1/projects/{id}/scenarios/{scenario_id}/quote",
         {"id": pid, "scenario_id": "base"})
    call("GET", "/v1/projects/{id}/scenarios/{scenario_id}/plan.svg",
         {"id": pid, "scenario_id": "base"}, keep=False)
    project_call("POST", "/v1/projects/{id}/versions", body={"note": "Fitted to €90,000"})
    call("GET", "/v1/projects/{id}/versions", {"id": pid}, query="limit=3")
    call("GET", "/v1/projects/{id}/versions/{number}", {"id": pid, "number": 1})
    call("GET", "/v1/projects/{id}/versions/{from}/diff/{to}", {"id": pid, "from": 1, "to": 2})
    project_call("POST", "/v1/projects/{id}/versions/{number}/restore", {"number": 1})
    project_call("PUT", "/v1/projects/{id}/scenarios/{scenario_id}", {"scenario_id": "spare"},
                 body={"id": "spare", "name": "Spare option", "selections": []}, keep=False)
    project_call("DELETE", "/v1/projects/{id}/scenarios/{scenario_id}", {"scenario_id": "spare"})
    _, layouts, _ = project_call("POST", "/v1/projects/{id}/layouts", body={
        "alternatives": 2,
        "brief": {"headcount": 20, "meeting_seats": 8, "budget_minor": 12000000,
                  "styles": ["scandinavian"]}})
    if layouts:
        layout_id = layouts["layouts"][0]["layout_id"] if layouts["layouts"] else None
        if layout_id:
            call("GET", "/v1/projects/{id}/layouts/{layout_id}/plan.svg",
                 {"id": pid, "layout_id": layout_id}, keep=False)
            project_call("POST", "/v1/projects/{id}/layouts/{layout_id}/accept",
                         {"layout_id": layout_id}, body={"name": "Generated: benching"})
    project_call("POST", "/v1/projects/{id}/status",
                 body={"status": "in_review", "note": "Sent to the client for comment"})
    _, export, _ = call("POST", "/v1/projects/{id}/exports", {"id": pid},
                        body={"format": "xlsx", "scenario_ids": ["base"]})
    if export:
        call("GET", "/v1/projects/{id}/exports/{export_id}",
             {"id": pid, "export_id": export["export"]["id"]})

    # A render, and a second one cancelled.
    render_request = {"scenario_id": "base", "quality": "draft", "width": 640, "height": 360,
                      "format": "png", "seed": 7,
                      "cameras": [{"room_id": "open", "lens_mm": 24.0}]}
    for _ in range(2):  # the retry answers 200 with the same job
        _, render, _ = call("POST", "/v1/projects/{id}/renders", {"id": pid},
                            headers={"idempotency-key": f"render-{suffix}"}, body=render_request)
    call("GET", "/v1/jobs", query=f"project={pid}&limit=3")
    if render:
        job_id = render["job"]["id"]
        wait_job(walk, job_id)
        call("GET", "/v1/jobs/{id}", {"id": job_id})
        call("GET", "/v1/jobs/{id}/webhook-deliveries", {"id": job_id})
    _, second, _ = call("POST", "/v1/projects/{id}/renders", {"id": pid}, keep=False,
                        body={"scenario_id": "base", "quality": "high", "width": 1920,
                              "height": 1080, "format": "jpeg", "seed": 8})
    if second:
        call("POST", "/v1/jobs/{id}/cancel",
             {"id": second["job"]["id"]})

    # The furnished scene as 3D files, and a link that shares version 1 with the client.
    for _ in range(2):  # the retry answers 200 with the same job
        _, scene, _ = call("POST", "/v1/projects/{id}/scenes", {"id": pid},
                           headers={"idempotency-key": f"scene-{suffix}"},
                           body={"scenario_id": "base", "version": 1, "formats": ["glb", "usdz"]})
    if scene:
        wait_job(walk, scene["job"]["id"])
    share_request = {"scenario_id": "base", "version": 1, "show_prices": True,
                     "allow_feedback": True,
                     "expires_at": time.strftime("%Y-%m-%dT18:00:00Z",
                                                 time.gmtime(time.time() + 14 * 86400))}
    for _ in range(2):  # the retry answers 200 with the same link
        _, share, _ = call("POST", "/v1/projects/{id}/shares", {"id": pid},
                           headers={"idempotency-key": f"share-{suffix}"}, body=share_request)
    _, spare, _ = call("POST", "/v1/projects/{id}/shares", {"id": pid}, keep=False,
                       body={**share_request, "show_prices": False})
    call("GET", "/v1/projects/{id}/shares", {"id": pid})
    if spare:
        call("DELETE", "/v1/projects/{id}/shares/{share_id}",
             {"id": pid, "share_id": spare["id"]})
    call("GET", "/v1/projects/{id}/activity", {"id": pid}, query="limit=3")
    # (A link saved with the project moved its ETag.)
    etag["v"] = call("GET", "/v1/projects/{id}", {"id": pid}, keep=False)[2].get("etag")

    # A drawing read by the vision worker.
    drawing = plan_png()
    _, created, _ = call("POST", "/v1/projects/{id}/floor-plan-imports", {"id": pid},
                         body={"content_type": "image/png", "size_bytes": len(drawing)})
    if created:
        put(created["upload"]["url"], drawing, "image/png")
        import_id = created["import"]["id"]
        deadline = time.time() + 240
        while time.time() < deadline:
            _, view, _ = call("GET", "/v1/projects/{id}/floor-plan-imports/{import_id}",
                              {"id": pid, "import_id": import_id}, keep=False)
            if view and view["import"]["status"] in ("proposed", "failed"):
                break
            time.sleep(2)
        call("GET", "/v1/projects/{id}/floor-plan-imports/{import_id}",
             {"id": pid, "import_id": import_id})
        project_call("POST", "/v1/projects/{id}/floor-plan-imports/{import_id}/accept",
                     {"import_id": import_id},
                     body={"known_length": {"wall_id": "w1", "length_m": 10.0}})

    # The base scheme as a dealer's SIF, imported back as a scenario to review; a DXF of it.
    _, sif_export, _ = call("POST", "/v1/projects/{id}/exports", {"id": pid}, keep=False,
                            body={"format": "sif", "scenario_ids": ["base"]})
    call("POST", "/v1/projects/{id}/exports", {"id": pid}, keep=False,
         body={"format": "dxf", "scenario_ids": ["base"]})
    if sif_export:
        with urllib.request.urlopen(sif_export["download_url"], timeout=60) as response:
            sif = response.read()
        _, created, _ = call("POST", "/v1/projects/{id}/interchange-imports", {"id": pid},
                             body={"format": "sif", "content_type": "text/plain",
                                   "size_bytes": len(sif)})
        if created:
            put(created["upload"]["url"], sif, "text/plain")
            import_id = created["import"]["id"]
            deadline = time.time() + 240
            while time.time() < deadline:
                _, view, _ = call("GET", "/v1/projects/{id}/interchange-imports/{import_id}",
                                  {"id": pid, "import_id": import_id}, keep=False)
                if view and view["import"]["status"] in ("proposed", "failed"):
                    break
                time.sleep(2)
            call("GET", "/v1/projects/{id}/interchange-imports/{import_id}",
                 {"id": pid, "import_id": import_id})
            project_call("POST", "/v1/projects/{id}/interchange-imports/{import_id}/accept",
                         {"import_id": import_id},
                         body={"name": "Dealer list (SIF)", "min_confidence": 0.6})
    call("PUT", "/v1/catalog/aliases", body={"aliases": [
        {"kind": "part_number", "source": "AE-123-GRPH", "product_id": chair,
         "manufacturer": "Nordform"},
        {"kind": "block", "source": "DESK_1600x800", "product_id": desk}]})
    call("GET", "/v1/catalog/aliases", query="kind=part_number&limit=20")

    # A throwaway project to the trash and back.
    _, spare, got = call("POST", "/v1/projects", keep=False, body={"name": "Scratch layout"})
    call("DELETE", "/v1/projects/{id}", {"id": spare["id"]}, headers={"if-match": got["etag"]})
    spare_etag = call("GET", "/v1/projects/{id}", {"id": spare["id"]}, keep=False)[2]["etag"]
    call("POST", "/v1/projects/{id}/restore", {"id": spare["id"]},
         headers={"if-match": spare_etag})

    # Catalog upkeep (admin).
    sku = f"PW-LNG-{suffix.upper()}"
    product = {
        "sku": sku, "name": "Fjord lounge chair, oak and wool", "brand": "Park & Wells",
        "category": ["seating", "lounge"],
        "description": "Low lounge chair with a solid oak frame and a wool-blend seat.",
        "dimensions": {"width_mm": 720, "depth_mm": 780, "height_mm": 760, "weight_kg": 14.5},
        "list_price": {"amount_minor": 89000, "currency": "EUR"},
        "dealer_price_minor": 61000,
        "price_breaks": [{"min_quantity": 10, "dealer_price_minor": 57000}],
        "materials": ["oak", "wool"], "finishes": ["natural oak", "smoked oak"],
        "certifications": ["FSC"],
        "sustainability": {"embodied_carbon_kg": 38.0, "recycled_content_pct": 22.0},
        "stock": {"on_hand": 40, "available": 32, "lead_time_days": 21},
    }
    _, made, got = call("POST", "/v1/products", body=product)
    if made:
        product_tag = got.get("etag")
        product["list_price"]["amount_minor"] = 92000
        _, _, got = call("PUT", "/v1/products/{id}", {"id": made["id"]}, body=product,
                         headers={"if-match": product_tag})
        call("POST", "/v1/products/{id}/uploads", {"id": made["id"]},
             body={"kind": "image", "content_type": "image/jpeg", "size_bytes": 48213})
        call("POST", "/v1/products/{id}/retire", {"id": made["id"]},
             headers={"if-match": got.get("etag")})
    csv = ("sku,name,brand,category,width_mm,depth_mm,height_mm,weight_kg,list_price_minor,"
           "currency,dealer_price_minor,on_hand,available,lead_time_days,embodied_carbon_kg,"
           "recycled_content_pct\n"
           f"PW-STL-{suffix.upper()},Ash stool,Park & Wells,seating,400,400,650,4.2,21000,EUR,"
           "14500,60,60,10,9.5,15\n")
    call("POST", "/v1/products/imports", raw=csv.encode(), content_type="text/csv")
    call("POST", "/v1/products/imports/uploads",
         body={"content_type": "text/csv", "size_bytes": 1843200})
    call("POST", "/v1/products/visual-search", raw=jpeg((226, 220, 208), (90, 110, 130)),
         content_type="image/jpeg", query="category=seating&limit=3")
    call("POST", "/v1/analyses/style", raw=jpeg((232, 226, 214), (120, 140, 110)),
         content_type="image/jpeg", query=f"project={pid}")
    call("POST", "/v1/catalog/reindex")
    call("GET", "/v1/makers")
    call("POST", "/v1/makers", body={
        "name": "Vecht Joinery", "capabilities": ["joinery", "upholstery"],
        "materials": ["oak", "ash", "wool"],
        "location": {"city": "Utrecht", "country": "NL", "lat": 52.0907, "lon": 5.1214},
        "lead_time_days": 35, "currency": "EUR", "min_order_minor": 250000,
        "contact_email": "orders@vecht-joinery.example"})
    call("POST", "/v1/makers/match", body={
        "capabilities": ["joinery"], "materials": ["oak"],
        "site": {"city": "Rotterdam", "country": "NL", "lat": 51.9066, "lon": 4.4883},
        "max_distance_km": 150.0, "needed_within_days": 60, "limit": 3})
    for _ in range(2):
        call("POST", "/v1/orders", headers={"idempotency-key": f"order-{suffix}"},
             body={"project_id": pid, "scenario_id": "base"})

    if not erp_secret:
        print("no --erp-secret: the ERP webhook's example is kept as it was", file=sys.stderr)
    event = json.loads((Path(__file__).resolve().parents[3]
                        / "events/erp-webhook-inventory-updated.json").read_text())
    event["id"] = f"evt_{suffix}"
    raw = json.dumps(event).encode()
    stamp = str(int(time.time()))
    signature = hmac.new(erp_secret.encode(), stamp.encode() + b"." + raw,
                         hashlib.sha256).hexdigest()
    for _ in range(2 if erp_secret else 0):  # a redelivery answers 200
        status, ack, _ = call("POST", "/v1/webhooks/erp", raw=raw,
                              content_type="application/json", token="",
                              headers={"x-roomwright-timestamp": stamp,
                                       "x-roomwright-signature": f"v1={signature}"})
    if ack is not None:
        walk.captured["POST /v1/webhooks/erp"]["request"] = event

    # Chat.
    _, conversation, _ = call("POST", "/v1/conversations",
                              body={"project_id": pid, "title": "Meeting room seating"})
    if conversation:
        cid = conversation["id"]
        call("POST", "/v1/conversations/{id}/messages", {"id": cid}, body={
            "text": "Suggest eight meeting chairs in warm oak under £400 each, in stock."})
        call("GET", "/v1/conversations/{id}", {"id": cid})
        call("GET", "/v1/conversations", query="limit=3")
        call("POST", "/v1/chat/uploads", body={"content_type": "image/jpeg", "size_bytes": 182044})
        call("POST", "/v1/images/generate", body={
            "prompt": "Bright meeting room, oak table for eight, wool chairs, north light",
            "project_id": pid, "count": 2, "width": 1024, "height": 768, "seed": 11})
        call("DELETE", "/v1/conversations/{id}", {"id": cid})

    # Signals, recommendations, usage.
    call("POST", "/v1/events", headers={"idempotency-key": f"events-{suffix}"}, body={"events": [
        {"type": "view", "product_id": chair, "project_id": pid},
        {"type": "add_to_project", "product_id": chair, "project_id": pid}]})
    for _ in range(2):
        _, training, _ = call("POST", "/v1/jobs/training",
                              headers={"idempotency-key": f"train-{suffix}"},
                              body={"note": "Weekly retrain after the autumn catalogue"})
    if training:
        wait_job(walk, training["id"])
    call("GET", "/v1/recommendations", query=f"project={pid}&limit=3")
    call("GET", "/v1/products/{id}/also-chosen", {"id": chair}, query="limit=3")
    call("GET", "/v1/recommendations/models", query="limit=3")
    call("GET", "/v1/recommendations/segments")
    _, again, _ = call("POST", "/v1/jobs/training", keep=False,
                       headers={"idempotency-key": f"train-again-{suffix}"}, body={})
    if again:
        wait_job(walk, again["id"])
        call("POST", "/v1/recommendations/models/rollback")
    call("GET", "/v1/usage", query="scope=org")
    call("GET", "/v1/usage", query=f"project={pid}")
    call("GET", "/v1/admin/audit", query="limit=3")
    call("GET", "/v1/me/export", token=lena_token)
    call("DELETE", "/v1/me", token=lena_token, body={"password": "Cedar-Pergola-18"})
    call("POST", "/v1/auth/logout", token="", body={"refresh_token": tokens["refresh_token"]})


def written(examples):
    """The exchanges a local stack cannot make (no ERP, no Bedrock image model, no image
    encoder, no public webhook receiver), written from the captured ones so their ids agree."""
    created = examples["POST /v1/projects"]["responses"]["201"]
    pid, owner = created["id"], created["owner_id"]
    conversation = examples["POST /v1/conversations"]["responses"]["201"]["id"]
    upload = examples["POST /v1/chat/uploads"]["responses"]["201"]["key"]
    quote = examples["GET /v1/projects/{id}/scenarios/{scenario_id}/quote"]["responses"]["200"]
    similar = examples["GET /v1/products/{id}/similar"]["responses"]["200"]
    visual = dict(similar, weights={"similarity": 0.7, "price": 0.1, "brand": 0.0,
                                    "availability": 0.2})
    examples["POST /v1/products/visual-search"] = {"responses": {"200": visual}}

    def concepts(call_id, count):
        keys = [f"concepts/projects/{pid}/{call_id}-{i}.png" for i in range(count)]
        return [{"key": k, "url": f"{S3_HOST}/roomwright-assetsbucket/{k}?x-id=GetObject"
                 "&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=900"
                 "&X-Amz-SignedHeaders=host&X-Amz-Signature=6d1f0c3b9e8a"} for k in keys]

    examples["POST /v1/images/generate"] = {
        "request": {"prompt": "Bright meeting room, oak table for eight, wool chairs, north light",
                    "negative_prompt": "people, text", "project_id": pid,
                    "conversation_id": conversation, "count": 2, "width": 1024, "height": 768,
                    "seed": 11},
        "responses": {"201": {"images": concepts("01a2413c7d2e7a41b0c35e8f6a2d9017", 2),
                              "seed": 11, "model_id": "amazon.nova-canvas-v1:0",
                              "cost_micro_usd": 80000, "message_seq": 3}}}
    examples["POST /v1/images/edit"] = {
        "request": {"image": upload, "mode": "restyle",
                    "prompt": "The same room in warm oak and sage green, soft daylight",
                    "project_id": pid, "count": 1, "similarity": 0.7, "seed": 42},
        "responses": {"201": {"images": concepts("01a2413c7d2e7a41b0c35e8f6a2d9042", 1),
                              "seed": 42, "model_id": "amazon.nova-canvas-v1:0",
                              "cost_micro_usd": 40000}}}
    lines = {}
    for line in quote["lines"]:
        merged = lines.setdefault(line["product_id"], {
            "product_id": line["product_id"], "sku": line["sku"], "name": line["name"],
            "quantity": 0, "unit_net_minor": line["unit_net_minor"], "line_net_minor": 0})
        merged["quantity"] += line["quantity"]
        merged["line_net_minor"] += line["line_net_minor"]
    order = {"id": "o-7c41e09b2d5a8f3361c0e4b7", "project_id": pid, "scenario_id": "base",
             "created_by": owner, "created_at": "2026-12-04T13:21:40.512Z",
             "currency": quote["currency"], "lines": list(lines.values()),
             "total_net_minor": sum(line["line_net_minor"] for line in lines.values()),
             "status": "submitted", "erp_reference": "SO-2026-118204"}
    examples["POST /v1/orders"] = {"request": {"project_id": pid, "scenario_id": "base"},
                                   "responses": {"201": order, "200": order}}
    examples["GET /v1/orders/{id}"] = {"responses": {"200": dict(
        order, status="confirmed", status_as_of="2026-12-05T08:02:11Z")}}
    job = examples["GET /v1/jobs/{id}"]["responses"]["200"]
    done = job.get("finished_at") or "2026-12-04T13:22:05Z"
    examples["GET /v1/jobs/{id}/webhook-deliveries"] = {"responses": {"200": {
        "url": "https://hooks.park-wells.example/roomwright/jobs",
        "items": [
            {"attempt": 1, "webhook_id": f"msg_{job['id']}", "at": done, "status": 503,
             "duration_ms": 212, "delivered": False,
             "next_attempt_at": "2026-12-04T13:22:35Z"},
            {"attempt": 2, "webhook_id": f"msg_{job['id']}", "at": "2026-12-04T13:22:36Z",
             "status": 200, "duration_ms": 148, "delivered": True}]}}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url")
    parser.add_argument("out", type=Path)
    parser.add_argument("--password", required=True, help="the demo admin's password")
    parser.add_argument("--emails", required=True,
                        help="the local SES's sent messages (make dev's banner names them)")
    parser.add_argument("--erp-secret", default="",
                        help="the stack's ERP webhook secret (ERP_WEBHOOK_SECRET of make dev)")
    args = parser.parse_args()
    walk = Walk(args.base_url)
    try:
        run(walk, args.password, args.erp_secret, args.emails)
    finally:
        old = json.loads(args.out.read_text()) if args.out.exists() else {}
        for key, entry in walk.captured.items():
            entry["responses"] = {s: b for s, b in entry["responses"].items() if b is not None}
            old[key] = walk.tidy(entry)
        written(old)
        args.out.write_text(json.dumps(dict(sorted(old.items())), indent=2,
                                       ensure_ascii=False) + "\n")
        for key, status, answer in walk.failed:
            print(f"not kept: {key} answered {status}: {answer}", file=sys.stderr)


if __name__ == "__main__":
    main()
