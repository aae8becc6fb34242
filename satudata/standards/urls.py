from django.urls import path

from satudata.standards import views

app_name = "standards"
urlpatterns = [
    path("", views.version_list, name="list"),
    path("current/", views.current, name="detail"),
    path("template.xlsx", views.current_template, name="template"),
    path("table-schema.json", views.current_schema, name="table_schema"),
    path("characteristics/", views.characteristics, name="characteristics"),
    path("<str:label>/", views.version_detail, name="version"),
    path("<str:label>/download/<str:file_format>/", views.download, name="download"),
    path("<str:label>/compare/", views.compare_versions, name="compare"),
    path("<str:label>/draft/", views.new_draft, name="new_draft"),
    path("<str:label>/propose/", views.propose, name="propose"),
    path("<str:label>/agree/", views.agree, name="agree"),
    path("<str:label>/publish/", views.publish, name="publish"),
    path("<str:label>/discard/", views.discard, name="discard"),
    path("<str:label>/variables/add/", views.variable_edit, name="variable_add"),
    path("<str:label>/variables/<slug:code>/", views.variable_edit, name="variable"),
    path("<str:label>/variables/<slug:code>/remove/", views.variable_remove, name="variable_remove"),
    path("<str:label>/indicators/add/", views.indicator_edit, name="indicator_add"),
    path("<str:label>/indicators/<slug:code>/", views.indicator_detail, name="indicator"),
    path("<str:label>/indicators/<slug:code>/edit/", views.indicator_edit, name="indicator_edit"),
]
