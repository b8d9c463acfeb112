"""The OpenAPI schema (drf-spectacular): generated without a warning, valid OpenAPI 3, and
documenting every API route with its answers, errors included."""

import json

import pytest
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS

# Each route and the answers its description must list.
DOCUMENTED = {
    ("/api/v1/deals/", "get"): {"200", "400", "403", "404"},
    ("/api/v1/deals/", "post"): {"201", "400", "403"},
    ("/api/v1/deals/{deal_id}/", "get"): {"200", "403", "404"},
    ("/api/v1/deals/{deal_id}/", "patch"): {"200", "400", "403", "404", "409"},
    ("/api/v1/plans/", "get"): {"200", "400", "403", "404"},
    ("/api/v1/plans/{plan_id}/tasks/", "get"): {"200", "400", "403", "404"},
    ("/api/v1/plans/{plan_id}/tasks/", "post"): {"201", "400", "403", "404"},
    ("/api/v1/tasks/{task_id}/", "get"): {"200", "403", "404"},
    ("/api/v1/tasks/{task_id}/", "patch"): {"200", "400", "403", "404", "409"},
    ("/api/v1/tasks/{task_id}/", "delete"): {"204", "403", "404"},
    ("/api/v1/plans/{plan_id}/milestones/", "post"): {"201", "400", "403", "404"},
    ("/api/v1/milestones/{milestone_id}/", "patch"): {"200", "400", "403", "404", "409"},
    ("/api/v1/plans/{plan_id}/risks/", "post"): {"201", "400", "403", "404"},
    ("/api/v1/risks/{risk_id}/", "patch"): {"200", "400", "403", "404", "409"},
    ("/api/v1/plans/{plan_id}/activity/", "get"): {"200", "401", "403", "404", "429"},
    ("/api/v1/deals/{deal_id}/stakeholders/", "post"): {"201", "400", "403", "404"},
    ("/api/v1/stakeholders/{stakeholder_id}/", "patch"): {"200", "400", "403", "404", "409"},
    ("/api/v1/plans/{plan_id}/", "get"): {"200", "403", "404"},
    ("/api/v1/deals/{deal_id}/plan/", "post"): {"201", "400", "403", "404", "409"},
    ("/api/v1/tasks/{task_id}/reschedule/", "post"): {"200", "400", "403", "404", "409"},
    ("/api/v1/plans/{plan_id}/exports/", "post"): {"201", "400", "403", "404"},
    ("/api/v1/exports/{export_id}/", "get"): {"200", "403", "404"},
}


@pytest.fixture
def schema(tmp_path, capsys):
    GENERATOR_STATS.reset()
    out = tmp_path / "schema.json"
    # --fail-on-warn: any warning of the generator (an undocumented view, an unresolvable
    # type, an enum name collision) fails here; --validate checks it against the OpenAPI 3 spec.
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(out))
    assert "Warning" not in capsys.readouterr().err
    return json.loads(out.read_text())


def test_the_schema_generates_without_warnings_and_documents_each_route_with_its_errors(schema):
    for (path, method), codes in DOCUMENTED.items():
        operation = schema["paths"][path][method]
        assert codes <= set(operation["responses"]), (path, method, sorted(operation["responses"]))
        for code in codes - {"200", "201"}:
            assert operation["responses"][code]["description"], (path, method, code)


def test_the_plan_has_the_contract_fields_with_their_types(schema):
    plan = schema["components"]["schemas"]["Plan"]["properties"]
    assert plan["id"]["format"] == "uuid" and plan["deal"]["format"] == "uuid"
    assert plan["budget_amount"]["type"] == "string" and plan["budget_amount"]["format"] == "decimal"
    assert set(plan["progress"]["allOf"][0]["$ref"].split("/")[-1:]) == {"Progress"}
    enums = schema["components"]["schemas"]
    assert enums["HealthEnum"]["enum"] == ["green", "amber", "red"]
    assert enums["PlanStatusEnum"]["enum"] == ["draft", "shared", "agreed", "closed"]
    assert set(schema["components"]["schemas"]["Progress"]["properties"]) == {"done", "total", "percent"}


def test_the_reschedule_rule_for_a_missing_version_is_documented(schema):
    operation = schema["paths"]["/api/v1/tasks/{task_id}/reschedule/"]["post"]
    assert "Without `version`" in operation["description"]
    body = schema["components"]["schemas"]["RescheduleInput"]
    assert set(body["required"]) == {"due_date", "cascade"}
    assert {"due_date", "reason", "cascade", "version", "dry_run"} == set(body["properties"])


def test_the_isolation_walk_covers_the_plan_routes():
    """tests/test_isolation.py requests every object URL as an outsider, a seller without access
    and buyers of other rooms (404, nothing changed), and the id-less ones with a buyer session."""
    from tests.test_isolation import object_url_names, url_names_without_object_ids

    assert {"api:plan-detail", "api:deal-plan", "api:task-reschedule"} <= set(object_url_names())
    assert "api:plan-list" in set(url_names_without_object_ids())
