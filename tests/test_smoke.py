def test_admin_index_requires_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/login" in response.location


def test_logged_in_admin_sees_the_index(admin_client):
    assert admin_client.get("/admin/").status_code == 200
