"""Segment's Ecommerce v2 spec, the one source of its standard event names (an event may declare
it conforms to one, see link.py) and of their properties (checked by the ecommerce-standard lint
rule)."""

_PRODUCT = {"product_id": "string", "sku": "string", "category": "string", "name": "string",
            "brand": "string", "variant": "string", "price": "number", "quantity": "integer",
            "coupon": "string", "position": "integer", "url": "string", "image_url": "string"}
_ORDER = {"order_id": "string", "affiliation": "string", "total": "number", "subtotal": "number",
          "revenue": "number", "shipping": "number", "tax": "number", "discount": "number",
          "coupon": "string", "currency": "string", "products": "array"}
_PROMOTION = {"promotion_id": "string", "creative": "string", "name": "string", "position": "string"}
# Standard event name → (the properties a conforming event must carry, every spec property and
# its type).
ECOMMERCE_V2: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "Products Searched": (("query",), {"query": "string"}),
    "Product List Viewed": (("products",), {"list_id": "string", "category": "string", "products": "array"}),
    "Product List Filtered": (
        ("products",),
        {"list_id": "string", "filters": "array", "sorts": "array", "products": "array"},
    ),
    "Promotion Viewed": (("promotion_id", "creative", "name", "position"), _PROMOTION),
    "Promotion Clicked": (("promotion_id", "creative", "name", "position"), _PROMOTION),
    "Product Clicked": (("product_id",), _PRODUCT),
    "Product Viewed": (("product_id",), {**_PRODUCT, "currency": "string", "value": "number"}),
    "Product Added": (("product_id",), {**_PRODUCT, "cart_id": "string"}),
    "Product Removed": (("product_id",), {**_PRODUCT, "cart_id": "string"}),
    "Cart Viewed": (("products",), {"cart_id": "string", "products": "array"}),
    "Checkout Started": (("order_id", "products"), {**_ORDER, "value": "number"}),
    "Checkout Step Viewed": (
        ("step",),
        {"checkout_id": "string", "step": "integer", "shipping_method": "string", "payment_method": "string"},
    ),
    "Checkout Step Completed": (
        ("step",),
        {"checkout_id": "string", "step": "integer", "shipping_method": "string", "payment_method": "string"},
    ),
    "Payment Info Entered": (
        ("step",),
        {"checkout_id": "string", "order_id": "string", "step": "integer", "shipping_method": "string",
         "payment_method": "string"},
    ),
    "Order Updated": (("order_id",), _ORDER),
    "Order Completed": (("order_id", "total", "currency", "products"), {**_ORDER, "checkout_id": "string"}),
    "Order Refunded": (("order_id",), _ORDER),
    "Order Cancelled": (("order_id",), _ORDER),
    "Coupon Entered": (("coupon_id",), {"order_id": "string", "cart_id": "string", "coupon_id": "string"}),
    "Coupon Applied": (
        ("coupon_id",),
        {"order_id": "string", "cart_id": "string", "coupon_id": "string", "coupon_name": "string",
         "discount": "number"},
    ),
    "Coupon Denied": (
        ("coupon",),
        {"order_id": "string", "cart_id": "string", "coupon": "string", "reason": "string"},
    ),
    "Coupon Removed": (
        ("coupon_id",),
        {"order_id": "string", "cart_id": "string", "coupon_id": "string", "coupon_name": "string",
         "discount": "number"},
    ),
    "Product Added to Wishlist": (
        ("product_id",),
        {**_PRODUCT, "wishlist_id": "string", "wishlist_name": "string"},
    ),
    "Product Removed from Wishlist": (
        ("product_id",),
        {**_PRODUCT, "wishlist_id": "string", "wishlist_name": "string"},
    ),
    "Wishlist Product Added to Cart": (
        ("product_id",),
        {**_PRODUCT, "wishlist_id": "string", "wishlist_name": "string", "cart_id": "string"},
    ),
    "Product Shared": (
        ("product_id",),
        {**_PRODUCT, "share_via": "string", "share_message": "string", "recipient": "string"},
    ),
    "Cart Shared": (
        ("products",),
        {"share_via": "string", "share_message": "string", "recipient": "string", "cart_id": "string",
         "products": "array"},
    ),
    "Product Reviewed": (
        ("product_id",),
        {"product_id": "string", "review_id": "string", "review_body": "string", "rating": "number"},
    ),
}
