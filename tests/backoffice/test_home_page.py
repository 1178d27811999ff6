"""The admin home page and the master page every admin page shares."""
from tests import factories as f


def test_home_page_links_every_screen_of_the_menu(admin_client):
    page = f.page_text(admin_client.get("/admin/"))

    for category in ("Customers", "Billing", "Configuration"):
        assert f'<div class="card-header">{category}</div>' in page
    for url in ("/admin/customer/", "/admin/invoice/", "/admin/user/", "/admin/glaccount/"):
        assert f'href="{url}"' in page


def test_every_admin_page_has_the_log_out_button(admin_client):
    for url in ("/admin/", "/admin/customer/", "/admin/invoice/new/"):
        page = f.page_text(admin_client.get(url))
        assert 'id="logout-form"' in page and 'action="/logout"' in page
