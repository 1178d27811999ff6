// Invoice lines: a line whose Unit Price is left empty takes its product's price
// (backoffice.models.InvoiceLine). Show that price in the empty field (placeholder) and in the
// field's help text, so the user sees the price the line will use before saving.
(function ($) {
  "use strict";
  var script = document.currentScript;
  var priceUrl = new URL(script.src).searchParams.get("price_url");
  var EMPTY_HINT = "Empty: the product's price.";

  function showProductPrice(productInput) {
    var prefix = productInput.name.slice(0, -"product".length);   // "lines-0-"
    var priceInput = document.getElementById(prefix + "unit_price");
    if (!priceInput) {
      return;
    }
    var help = priceInput.parentNode.querySelector(".form-text.text-muted");
    if (!productInput.value || productInput.value === "__None") {
      priceInput.placeholder = "";
      if (help) { help.textContent = EMPTY_HINT; }
      return;
    }
    fetch(priceUrl + "?id=" + encodeURIComponent(productInput.value), {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (product) {
        if (!product || productInput.value !== String(product.id)) {
          return;
        }
        priceInput.placeholder = product.price;
        if (help) { help.textContent = "Empty: the product's price, " + product.price + "."; }
      });
  }

  var PRODUCT_INPUTS = "input[name$='-product'], select[name$='-product']";
  $(document).on("change", PRODUCT_INPUTS, function () { showProductPrice(this); });
  $(function () { $(PRODUCT_INPUTS).each(function () { showProductPrice(this); }); });
})(jQuery);
