from aipal.api.routing import api_path
from ari.api import views

urlpatterns = [
    api_path("users/{user_id}/ari", views.SnapshotLatestView.as_view(), "ari-latest"),
    api_path("users/{user_id}/ari/history", views.SnapshotHistoryView.as_view(), "ari-history"),
    api_path("users/{user_id}/ari/{snapshot_id}", views.SnapshotDetailView.as_view(), "ari-detail"),
    api_path("users/{user_id}/predictions", views.PredictionsView.as_view(), "ari-predictions"),
]
