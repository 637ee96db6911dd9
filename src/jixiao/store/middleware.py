"""Under ``/api/``, answers Django gives before the API sees a request (an unknown path, a method
the path does not take, a CSRF refusal) get the API's one error shape, in Chinese."""

from __future__ import annotations

import json

from django.http import JsonResponse

TEXT = {400: ("E-API-400", "请求无效"), 401: ("E-API-AUTH", "需要登录，或提供访问令牌（Bearer）"),
        403: ("E-API-403", "无权访问"), 404: ("E-API-NOT-FOUND", "找不到该地址；API 说明见 /api/v1/docs"),
        405: ("E-API-METHOD", "该地址不接受此请求方法"), 413: ("E-API-TOO-LARGE", "请求过大")}


class JsonErrors:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/api/") or not 400 <= response.status_code < 500:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            try:
                body = json.loads(response.content)
            except ValueError:
                body = None
            if isinstance(body, dict) and {"code", "message", "problems"} <= body.keys():
                return response
        code, message = TEXT.get(response.status_code, (f"E-API-{response.status_code}", "请求无效"))
        out = JsonResponse({"code": code, "message": message, "problems": []}, status=response.status_code,
                           json_dumps_params={"ensure_ascii": False})
        if response.status_code == 405 and response.has_header("Allow"):
            out["Allow"] = response["Allow"]
        return out
