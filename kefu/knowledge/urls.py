"""Console pages of knowledge; included in kefu.console.urls (names live in the console namespace)."""

from django.urls import URLPattern, path

from kefu.knowledge import views

urlpatterns: list[URLPattern] = [
    path("", views.article_list, name="knowledge_list"),
    path("new/", views.article_edit, name="knowledge_new"),
    path("<int:pk>/", views.article_detail, name="knowledge_article"),
    path("<int:pk>/edit/", views.article_edit, name="knowledge_edit"),
    path("suggest/<str:key>/", views.suggestions, name="knowledge_suggest"),
    path("questions/", views.questions, name="knowledge_questions"),
]
