from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "jixiao.web"
    label = "web"
    verbose_name = "网页"
