from django.contrib.auth import views as auth_views
from django.urls import path

from jixiao.web import apply, audit, batch, expert, overview, reports, review, targets, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.Login.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("new/", views.new, name="new"),
    path("new/live", views.new_live, name="new_live"),
    path("new/upload", views.new_upload, name="new_upload"),
    path("new/template.xlsx", views.new_template, name="new_template"),
    path("e/<int:pk>/", views.detail, name="detail"),
    path("e/<int:pk>/edit", views.edit, name="edit"),
    path("e/<int:pk>/live", views.live_score, name="live"),
    path("e/<int:pk>/upload", views.upload, name="upload"),
    path("e/<int:pk>/template.xlsx", views.template_xlsx, name="template"),
    path("e/<int:pk>/diff", views.diff, name="diff"),
    path("e/<int:pk>/review", review.review, name="review"),
    path("e/<int:pk>/adjust", review.adjust, name="adjust"),
    path("e/<int:pk>/opinion", review.opinion, name="opinion"),
    path("e/<int:pk>/move", review.move, name="move"),
    path("e/<int:pk>/attach", review.attach, name="attach"),
    path("e/<int:pk>/attachments/<int:aid>", review.attachment, name="attachment"),
    path("e/<int:pk>/reports/", reports.reports, name="reports"),
    path("e/<int:pk>/reports/make", reports.make, name="report_make"),
    path("e/<int:pk>/reports/<int:number>.<str:fmt>", reports.report_file, name="report_file"),
    path("jobs/<str:key>/", reports.job_page, name="job"),
    path("jobs/<str:key>/progress", reports.job_progress, name="job_progress"),
    path("overview/", overview.overview, name="overview"),
    path("overview/unit/<int:uid>/", overview.unit_years, name="unit_years"),
    path("overview/export/<str:table>.xlsx", overview.export, name="overview_export"),
    path("apply/", apply.apply_page, name="apply"),
    path("apply/export.xlsx", apply.apply_export, name="apply_export"),
    path("apply/<int:pk>/decide", apply.apply_decide, name="apply_decide"),
    path("forms/", batch.batch, name="batch"),
    path("forms/<int:pk>/", batch.form_detail, name="form_detail"),
    path("expert/", expert.expert_home, name="expert"),
    path("expert/<int:pk>/", expert.expert_case, name="expert_case"),
    path("expert/<int:pk>/score", expert.expert_score, name="expert_score"),
    path("audit/", audit.audit, name="audit"),
    path("audit/export.xlsx", audit.export, name="audit_export"),
    *targets.urlpatterns,
]
