"""JSON Schemas as Pydantic v2 (``Model.model_json_schema()``) and zod-to-json-schema write
them, for ordinary models: orders, people records, products, events, tickets, invoices.

Pydantic titles every field from its name ("order_id" -> "Order Id"), puts nested models and
enums under ``$defs`` with their class names, writes ``Optional`` as ``anyOf`` with null and a
``default``; zod-to-json-schema writes ``additionalProperties: false``, ``$schema``, ``.describe()``
text as ``description`` and ``definitions``. Written by hand for the schema PII check: none of
them carries personal data, though many name personal fields (first_name, email, phone).
"""

from __future__ import annotations

from typing import Any

_TYPES = {"str": {"type": "string"}, "int": {"type": "integer"}, "float": {"type": "number"},
          "bool": {"type": "boolean"}, "date": {"type": "string", "format": "date"},
          "datetime": {"type": "string", "format": "date-time"},
          "email": {"type": "string", "format": "email"},
          "uuid": {"type": "string", "format": "uuid"}, "url": {"type": "string", "format": "uri",
                                                                "minLength": 1, "maxLength": 2083}}


def _title(name: str) -> str:
    return " ".join(part.capitalize() for part in name.split("_"))


def pydantic(title: str, fields: dict[str, Any], defs: dict[str, Any] | None = None,
             optional: tuple[str, ...] = (), doc: str = "") -> dict[str, Any]:
    """A Pydantic v2 model schema. A field's spec: a type name, a ``$defs`` name ("#Genre"),
    ``[type]`` for a list, or a dict of extra keywords with "t" the type."""
    props: dict[str, Any] = {}
    for name, given in fields.items():
        extra: dict[str, Any] = {}
        spec = given
        if isinstance(given, dict):
            extra = {k: v for k, v in given.items() if k != "t"}
            spec = given["t"]
        if isinstance(spec, list):
            item = {"$ref": f"#/$defs/{spec[0][1:]}"} if spec[0].startswith("#") \
                else dict(_TYPES[spec[0]])
            schema: dict[str, Any] = {"items": item, "type": "array"}
        elif spec.startswith("#"):
            schema = {"$ref": f"#/$defs/{spec[1:]}"}
        else:
            schema = dict(_TYPES[spec])
        if name in optional:
            schema = {"anyOf": [schema, {"type": "null"}], "default": None}
        props[name] = {**schema, **extra, "title": _title(name)}
    out: dict[str, Any] = {"properties": props,
                           "required": [n for n in fields if n not in optional
                                        and "default" not in (fields[n] if isinstance(
                                            fields[n], dict) else {})],
                           "title": title, "type": "object"}
    if doc:
        out["description"] = doc
    if defs:
        out["$defs"] = defs
    return out


def enum(title: str, values: list[Any]) -> dict[str, Any]:
    return {"enum": values, "title": title,
            "type": "integer" if all(isinstance(v, int) for v in values) else "string"}


def zod(props: dict[str, Any], described: dict[str, str] | None = None) -> dict[str, Any]:
    """A zod-to-json-schema object schema: every field required, no extra properties."""
    described = described or {}
    properties = {k: ({**v, "description": described[k]} if k in described else v)
                  for k, v in props.items()}
    return {"type": "object", "properties": properties, "required": list(props),
            "additionalProperties": False, "$schema": "http://json-schema.org/draft-07/schema#"}


S, INT, N = {"type": "string"}, {"type": "integer"}, {"type": "number"}
B, EMAIL = {"type": "boolean"}, {"type": "string", "format": "email"}

_ADDRESS = pydantic("Address", {"street": "str", "city": "str", "state": "str",
                                "postal_code": "str", "country": "str"})
_ITEM = pydantic("LineItem", {"sku": "str", "quantity": {"t": "int", "minimum": 1},
                              "unit_price": "float", "size": "#Size"})

SCHEMAS: dict[str, dict[str, Any]] = {
    "shoe": pydantic("Shoe", {"size": "float", "width": "#Width", "color": "str",
                              "brand": "str"},
                     {"Width": enum("Width", ["narrow", "regular", "wide"])}),
    "book": pydantic("Book", {"title": "str", "author": "str", "genre": "#Genre",
                              "isbn": "str", "pages": "int", "published": "date"},
                     {"Genre": enum("Genre", ["fiction", "mystery", "romance", "science",
                                              "history", "poetry"])}),
    "order": pydantic("Order", {"order_id": "str", "customer_id": "str", "items": ["#LineItem"],
                                "total": "float", "currency": {"t": "str", "default": "USD"},
                                "status": "#OrderStatus", "placed_at": "datetime",
                                "shipping_address": "#Address"},
                      {"Address": _ADDRESS, "LineItem": _ITEM,
                       "OrderStatus": enum("OrderStatus", ["pending", "paid", "shipped",
                                                           "delivered", "cancelled"]),
                       "Size": enum("Size", ["S", "M", "L", "XL"])}),
    "person": pydantic("Person", {"first_name": "str", "last_name": "str", "email": "email",
                                  "phone": "str", "date_of_birth": "date",
                                  "address": "#Address"},
                       {"Address": _ADDRESS}, optional=("phone",)),
    "contact": pydantic("Contact", {"full_name": "str", "email_address": "email",
                                    "phone_number": "str", "mobile": "str", "company": "str",
                                    "job_title": "str"}, optional=("mobile", "company")),
    "employee": pydantic("Employee", {"employee_id": "int", "name": "str", "department": "str",
                                      "manager_name": "str", "hire_date": "date",
                                      "salary": "float", "ssn_last4": "str"}),
    "patient": pydantic("Patient", {"patient_id": "str", "given_name": "str",
                                    "family_name": "str", "gender": "#Gender",
                                    "birth_date": "date", "allergies": ["str"]},
                        {"Gender": enum("Gender", ["female", "male", "other", "unknown"])}),
    "user": pydantic("User", {"id": "uuid", "username": "str", "display_name": "str",
                              "email": "email", "avatar_url": "url", "is_active": "bool"}),
    "product": pydantic("Product", {"sku": "str", "name": "str", "description": "str",
                                    "price": {"t": "float", "exclusiveMinimum": 0},
                                    "weight_kg": "float", "height": "float", "width": "float",
                                    "depth": "float", "tags": ["str"]}),
    "event": pydantic("Event", {"event_id": "str", "name": "str", "start": "datetime",
                                "end": "datetime", "venue": "str", "organizer": "str",
                                "capacity": "int", "kind": "#EventKind"},
                      {"EventKind": enum("EventKind", ["Conference", "Workshop", "Meetup",
                                                       "Webinar", "Concert"])}),
    "ticket": pydantic("SupportTicket", {"ticket_id": "int", "subject": "str", "body": "str",
                                         "priority": "#Priority", "assignee": "str",
                                         "reporter": "str", "created_at": "datetime"},
                       {"Priority": enum("Priority", ["Low", "Medium", "High", "Urgent"])},
                       optional=("assignee",)),
    "invoice": pydantic("Invoice", {"invoice_number": "str", "issue_date": "date",
                                    "due_date": "date", "bill_to": "#Address",
                                    "lines": ["#LineItem"], "tax_rate": "float",
                                    "notes": "str"},
                        {"Address": _ADDRESS, "LineItem": _ITEM,
                         "Size": enum("Size", ["S", "M", "L", "XL"])}, optional=("notes",)),
    "movie": pydantic("Movie", {"title": "str", "director": "str", "year": "int",
                                "genre": "#Genre", "rating": "float", "cast": ["str"]},
                      {"Genre": enum("Genre", ["Action", "Comedy", "Drama", "Horror",
                                               "Thriller", "Documentary"])}),
    "recipe": pydantic("Recipe", {"name": "str", "servings": "int", "ingredients": ["str"],
                                  "steps": ["str"], "prep_minutes": "int",
                                  "cuisine": "str"}),
    "cat": pydantic("Cat", {"name": "str", "legs": "int", "color": "str", "age": "int"},
                    doc="A cat."),
    "weather": pydantic("Forecast", {"city": "str", "date": "date", "high_c": "float",
                                     "low_c": "float", "conditions": "#Conditions"},
                        {"Conditions": enum("Conditions", ["Sunny", "Cloudy", "Rain",
                                                           "Snow", "Storm"])}),
    "review": pydantic("Review", {"product_id": "str", "reviewer_name": "str",
                                  "stars": {"t": "int", "minimum": 1, "maximum": 5},
                                  "title": "str", "body": "str", "verified": "bool"}),
    "shipment": pydantic("Shipment", {"tracking_number": "str", "carrier": "#Carrier",
                                      "origin": "#Address", "destination": "#Address",
                                      "weight": "float", "eta": "date"},
                         {"Address": _ADDRESS,
                          "Carrier": enum("Carrier", ["UPS", "FedEx", "DHL", "USPS"])}),
    "account": pydantic("BankAccount", {"account_holder": "str", "iban": "str", "bic": "str",
                                        "balance": "float", "currency": "str",
                                        "opened_on": "date"}),
    "flight": pydantic("Flight", {"flight_number": "str", "airline": "str", "departure": "str",
                                  "arrival": "str", "departs_at": "datetime", "seat": "str",
                                  "passenger_name": "str"}),
    "survey": pydantic("SurveyAnswer", {"question_id": "int", "answer": "str",
                                        "score": "#Score"},
                       {"Score": enum("Score", [1, 2, 3, 4, 5])}),
    "meeting": pydantic("Meeting", {"title": "str", "attendees": ["email"],
                                    "organizer_email": "email", "start_time": "datetime",
                                    "duration_minutes": {"t": "int", "default": 30},
                                    "location": "str"}),
    "sentiment": pydantic("Sentiment", {"label": "#Label", "confidence": "float"},
                          {"Label": enum("Label", ["positive", "negative", "neutral"])},
                          doc="Sentiment of a review."),
    "summary": pydantic("Summary", {"headline": "str", "bullet_points": ["str"],
                                    "word_count": "int", "language": {"t": "str",
                                                                      "default": "en"}}),
    "zod_signup": zod({"firstName": S, "lastName": S, "email": EMAIL,
                       "password": {"type": "string", "minLength": 8}, "age": INT,
                       "acceptTerms": B},
                      {"email": "The user's email address", "firstName": "Given name",
                       "lastName": "Family name"}),
    "zod_product": zod({"id": S, "title": S, "price": N, "inStock": B,
                        "category": {"type": "string", "enum": ["Books", "Games", "Garden",
                                                                "Kitchen", "Toys"]},
                        "dimensions": {"type": "object", "properties": {
                            "width": N, "height": N, "depth": N},
                            "required": ["width", "height", "depth"],
                            "additionalProperties": False}},
                       {"price": "Price in euros", "category": "Shop section"}),
    "zod_order": zod({"orderId": S, "customerEmail": EMAIL, "shippingName": S,
                      "phone": S, "items": {"type": "array", "items": {
                          "type": "object", "properties": {"sku": S, "qty": INT},
                          "required": ["sku", "qty"], "additionalProperties": False}},
                      "status": {"type": "string", "enum": ["new", "packed", "shipped"]}},
                     {"orderId": "Order number from the shop system",
                      "phone": "Contact phone number of the customer"}),
    "zod_event": zod({"name": S, "date": {"type": "string", "format": "date-time"},
                      "speakers": {"type": "array", "items": S}, "room": S},
                     {"speakers": "Full names of the speakers"}),
    "zod_profile": zod({"displayName": S, "bio": {"type": "string", "maxLength": 280},
                        "website": {"type": "string", "format": "uri"},
                        "location": S, "pronouns": S}),
    "zod_task": zod({"title": S, "done": B, "dueDate": S, "assignee": S,
                     "priority": {"type": "string", "enum": ["Low", "Normal", "High"]}}),
    "openai_wrapper": {"name": "customer_record", "strict": True, "schema": pydantic(
        "CustomerRecord", {"customer_name": "str", "email": "email", "phone": "str",
                           "order_id": "str", "notes": "str"})},
    "definitions_draft7": {"$schema": "http://json-schema.org/draft-07/schema#",
                           "definitions": {"Person": {"type": "object", "properties": {
                               "name": S, "email": EMAIL}}},
                           "type": "array", "items": {"$ref": "#/definitions/Person"},
                           "title": "People"},
    "car": pydantic("Car", {"make": "str", "model": "str", "year": "int", "wheels": "int",
                            "vin": "str", "license_plate": "str"}),
    "house": pydantic("House", {"rooms": "int", "floors": "int", "garden": "bool",
                                "owner_name": "str", "address": "#Address"},
                      {"Address": _ADDRESS}),
}

#: Schemas whose *data* carries personal data: each must be refused.
WITH_PII: dict[str, dict[str, Any]] = {
    "email in a description": pydantic(
        "Contact", {"email": {"t": "email", "description": "e.g. ann.lee@example.com"}}),
    "name in a description": pydantic(
        "Ticket", {"owner": {"t": "str", "description": "Always assign to Margaret Thompson"}}),
    "name in an enum": pydantic("Team", {"lead": "#Lead"},
                                {"Lead": enum("Lead", ["Robert Miller", "Jennifer Garcia"])}),
    "phone as a default": pydantic(
        "Callback", {"phone": {"t": "str", "default": "+1 415 555 0132"}}),
    "email as a const": {"type": "object", "properties": {
        "to": {"const": "john.smith@example.org", "title": "To"}}},
    "person in examples": zod({"contact": S}, {}) | {
        "examples": [{"contact": "Call Patricia Johnson on 212-555-0199"}]},
    "id number as a default": pydantic(
        "Applicant", {"id_number": {"t": "str", "default": "11010519491231002X"}}),
}
