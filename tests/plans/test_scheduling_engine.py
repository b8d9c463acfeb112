"""The scheduling engine on worked examples, each checked by hand (calculation in comments).

Pure functions over plain data: no database.
"""

import datetime
import zoneinfo

import pytest

from plans.scheduling import (
    AMBER,
    ENTERPRISE_EVALUATION,
    GREEN,
    RED,
    WEEKDAYS,
    BusinessCalendar,
    CycleError,
    HealthTask,
    OpenTask,
    Span,
    TaskDates,
    TemplateItem,
    add_business_days,
    business_days_between,
    cascade_reschedule,
    health,
    milestone_dates,
    project,
    schedule_backward,
    subtract_business_days,
    template_items,
    topological_order,
    violations,
)
from plans.scheduling.graph import normalize

D = datetime.date


# --- Business-day calendar ------------------------------------------------------------


def test_adding_business_days_skips_the_weekend():
    # Fri 2027-01-08 + 1 = Mon 11; + 5 = Fri 15.
    assert add_business_days(D(2027, 1, 8), 1) == D(2027, 1, 11)
    assert add_business_days(D(2027, 1, 8), 5) == D(2027, 1, 15)
    assert subtract_business_days(D(2027, 1, 11), 1) == D(2027, 1, 8)


def test_one_business_day_from_a_weekend_day_is_the_next_or_previous_business_day():
    saturday = D(2027, 1, 9)
    assert add_business_days(saturday, 1) == D(2027, 1, 11)
    assert add_business_days(saturday, -1) == D(2027, 1, 8)
    assert add_business_days(saturday, 0) == saturday


def test_holidays_are_skipped():
    # Mon 2027-01-11 is a holiday: Fri 8 + 1 is Tue 12; Tue 12 - 1 is Fri 8.
    calendar = BusinessCalendar.with_holidays([D(2027, 1, 11)])
    assert calendar.add(D(2027, 1, 8), 1) == D(2027, 1, 12)
    assert calendar.add(D(2027, 1, 12), -1) == D(2027, 1, 8)
    assert not calendar.is_business_day(D(2027, 1, 11))
    # Business days in (Fri 8, Fri 15]: Tue–Fri = 4.
    assert calendar.between(D(2027, 1, 8), D(2027, 1, 15)) == 4
    assert business_days_between(D(2027, 1, 8), D(2027, 1, 15), holidays=[D(2027, 1, 11)]) == 4


def test_business_days_between_counts_the_end_not_the_start_and_is_signed():
    # (Mon 4, Mon 11] = Tue..Fri + Mon = 5; backwards -5; same day 0.
    assert business_days_between(D(2027, 1, 4), D(2027, 1, 11)) == 5
    assert business_days_between(D(2027, 1, 11), D(2027, 1, 4)) == -5
    assert business_days_between(D(2027, 1, 4), D(2027, 1, 4)) == 0
    # Sat to Sun: no business day between.
    assert business_days_between(D(2027, 1, 9), D(2027, 1, 10)) == 0


def test_holidays_on_weekends_change_nothing():
    calendar = BusinessCalendar.with_holidays([D(2027, 1, 9)])  # a Saturday
    assert calendar.add(D(2027, 1, 8), 1) == D(2027, 1, 11)


@pytest.mark.parametrize("zone", ["Pacific/Honolulu", "America/Los_Angeles", "UTC", "Asia/Tokyo", "Pacific/Kiritimati"])
def test_due_dates_are_the_same_calendar_dates_on_both_sides_of_utc(zone):
    # The engine takes and answers dates, not datetimes: the caller turns "now" into the
    # viewer's date; the same inputs give the same due dates whatever the zone.
    now = datetime.datetime(2027, 2, 15, 23, 30, tzinfo=datetime.UTC).astimezone(zoneinfo.ZoneInfo(zone))
    result = schedule_backward(template_items(ENTERPRISE_EVALUATION), anchor=D(2027, 4, 30), today=now.date())
    assert result.dates["kickoff"] == Span(D(2027, 4, 30), D(2027, 4, 30))
    assert result.dates["discovery"].start == D(2027, 3, 3)
    assert all(type(span.due) is datetime.date for span in result.dates.values())


# --- Backward scheduling: the enterprise evaluation -------------------------------------

ANCHOR = D(2027, 4, 30)  # a Friday: kickoff (go-live) date

# Hand calculation, business days only (no holidays), latest dates first:
# kickoff         1 d, due on the anchor Fri 30 Apr, starts Fri 30 Apr.
# decision        1 d, kickoff waits 4 d after it: due 5 business days before Fri 30 Apr
#                 = Fri 23 Apr; starts Fri 23 Apr.
# procurement    10 d, due the day before the decision = Thu 22 Apr; counting Thu 22 as day
#                 10 back: 21, 20, 19, 16, 15, 14, 13, 12, 9 -> starts Fri 9 Apr.
# legal review   10 d, same: Fri 9 Apr .. Thu 22 Apr.
# security       10 d, due the day before legal starts = Thu 8 Apr; 8, 7, 6, 5, 2, 1,
#                 31 Mar, 30, 29, 26 -> starts Fri 26 Mar.
# business case   5 d, due the day before procurement = Thu 8 Apr; 8, 7, 6, 5, 2 ->
#                 starts Fri 2 Apr.
# deep dive      10 d, security needs it done 1 + 2 (lag) business days before Fri 26 Mar
#                 = Tue 23 Mar; the business case only by Thu 1 Apr: the earlier wins,
#                 due Tue 23 Mar; 23, 22, 19, 18, 17, 16, 15, 12, 11, 10 -> starts Wed 10 Mar.
# discovery       5 d, due Tue 9 Mar; 9, 8, 5, 4, 3 -> starts Wed 3 Mar.
ENTERPRISE_DATES = {
    "discovery": Span(D(2027, 3, 3), D(2027, 3, 9)),
    "deep_dive": Span(D(2027, 3, 10), D(2027, 3, 23)),
    "security_review": Span(D(2027, 3, 26), D(2027, 4, 8)),
    "business_case": Span(D(2027, 4, 2), D(2027, 4, 8)),
    "procurement": Span(D(2027, 4, 9), D(2027, 4, 22)),
    "legal_review": Span(D(2027, 4, 9), D(2027, 4, 22)),
    "decision": Span(D(2027, 4, 23), D(2027, 4, 23)),
    "kickoff": Span(D(2027, 4, 30), D(2027, 4, 30)),
}


def test_the_enterprise_template_scheduled_back_from_its_anchor_gives_the_hand_calculated_dates():
    result = schedule_backward(template_items(ENTERPRISE_EVALUATION), anchor=ANCHOR, today=D(2027, 2, 15))
    assert result.dates == ENTERPRISE_DATES
    assert list(result.dates) == [s.key for s in ENTERPRISE_EVALUATION]
    assert result.fits and result.missing_business_days == 0
    assert result.earliest_start == D(2027, 3, 3)
    assert result.anchor_that_fits == ANCHOR


def test_an_anchor_too_close_answers_the_missing_business_days_and_does_not_compress():
    # Today Mon 8 Mar; discovery must start Wed 3 Mar: Thu 4, Fri 5, Mon 8 = 3 days missing.
    # The anchor that fits is 3 business days later: Mon 3, Tue 4, Wed 5 May.
    result = schedule_backward(template_items(ENTERPRISE_EVALUATION), anchor=ANCHOR, today=D(2027, 3, 8))
    assert not result.fits
    assert result.missing_business_days == 3
    assert result.anchor_that_fits == D(2027, 5, 5)
    assert result.dates == ENTERPRISE_DATES


def test_today_on_a_weekend_counts_from_the_next_monday():
    # Today Sat 6 Mar: the first free day is Mon 8 Mar, same as above.
    result = schedule_backward(template_items(ENTERPRISE_EVALUATION), anchor=ANCHOR, today=D(2027, 3, 6))
    assert result.missing_business_days == 3
    # Today Wed 3 Mar: discovery starts today, it fits.
    assert schedule_backward(template_items(ENTERPRISE_EVALUATION), anchor=ANCHOR, today=D(2027, 3, 3)).fits


def test_an_anchor_on_a_weekend_means_the_friday_before():
    result = schedule_backward([TemplateItem("a", 2)], anchor=D(2027, 5, 2), today=D(2027, 1, 1))
    assert result.dates["a"] == Span(D(2027, 4, 29), D(2027, 4, 30))


def test_an_offset_places_an_item_no_later_than_that_many_business_days_before_the_anchor():
    # "contract signed" 1 d, at the latest 5 business days before Fri 30 Apr = Fri 23 Apr;
    # "review" 3 d before it: Tue 20 .. Thu 22 Apr. "memo" has no dependants: on the anchor.
    items = [
        TemplateItem("review", 3),
        TemplateItem("signed", 1, offset=5, depends_on={"review": 0}),
        TemplateItem("memo", 0),
    ]
    result = schedule_backward(items, anchor=ANCHOR, today=D(2027, 1, 1))
    assert result.dates == {
        "review": Span(D(2027, 4, 20), D(2027, 4, 22)),
        "signed": Span(D(2027, 4, 23), D(2027, 4, 23)),
        "memo": Span(ANCHOR, ANCHOR),
    }


def test_backward_scheduling_refuses_cycles_unknown_items_and_negative_offsets():
    with pytest.raises(CycleError) as caught:
        schedule_backward(
            [TemplateItem("a", 1, depends_on={"b": 0}), TemplateItem("b", 1, depends_on={"a": 0})],
            anchor=ANCHOR,
            today=D(2027, 1, 1),
        )
    assert caught.value.cycle in (["a", "b", "a"], ["b", "a", "b"])
    with pytest.raises(ValueError):
        schedule_backward([TemplateItem("a", 1, depends_on={"z": 0})], anchor=ANCHOR, today=D(2027, 1, 1))
    with pytest.raises(ValueError):
        schedule_backward([TemplateItem("a", 1, offset=-1)], anchor=ANCHOR, today=D(2027, 1, 1))


# --- Cascade: a one-week slip on the security review ------------------------------------


def enterprise_plan():
    steps = ENTERPRISE_EVALUATION
    prerequisites = {s.key: dict(s.depends_on) for s in steps}
    dates = {k: TaskDates(due=span.due, start=span.start) for k, span in ENTERPRISE_DATES.items()}
    return prerequisites, dates


def test_a_one_week_slip_on_the_security_review_moves_exactly_legal_decision_and_kickoff():
    # Security review due Thu 8 Apr -> Thu 15 Apr (+5 business days), still 10 days long:
    # Fri 2 Apr .. Thu 15 Apr.
    # legal review (needs security + 0): must start Fri 16 Apr, was Fri 9: +5 -> Fri 16 .. Thu 29 Apr.
    # decision (needs legal + 0 and procurement + 0): legal ends Thu 29 -> start Fri 30 Apr,
    #   was Fri 23: +5 -> Fri 30 Apr. Procurement (Thu 22) asks less.
    # kickoff (needs decision + 4): 5th business day after Fri 30 Apr = Fri 7 May, +5.
    # Discovery, deep dive, business case, procurement: no path from security: stay.
    prerequisites, dates = enterprise_plan()
    before = dict(dates)
    result = cascade_reschedule(prerequisites, dates, "security_review", D(2027, 4, 15))
    assert dates == before  # the input is not changed
    assert (result.moved.task, result.moved.old_due, result.moved.new_due) == ("security_review", D(2027, 4, 8), D(2027, 4, 15))
    assert result.moved.new_start == D(2027, 4, 2)
    assert [(m.task, m.old_due, m.new_due, m.business_days) for m in result.cascaded] == [
        ("legal_review", D(2027, 4, 22), D(2027, 4, 29), 5),
        ("decision", D(2027, 4, 23), D(2027, 4, 30), 5),
        ("kickoff", D(2027, 4, 30), D(2027, 5, 7), 5),
    ]
    assert result.cascaded[0].new_start == D(2027, 4, 16)
    assert result.conflicts == []
    assert violations(prerequisites, result.apply(dates)) == []


def test_a_slip_absorbed_by_slack_moves_only_as_far_as_needed():
    # a (due Mon 4 Jan) -> b (Fri 8 .. Fri 8, lag 1) -> c (Mon 11 .. Tue 12).
    # a slips to Wed 6: b needs Wed 6 + 1 + 1 = Fri 8: already so, nothing moves.
    # a slips to Thu 7: b needs Mon 11: +1 -> Mon 11; c needs Tue 12: +1 -> Tue 12 .. Wed 13.
    prerequisites = {"b": {"a": 1}, "c": {"b": 0}}
    dates = {
        "a": TaskDates(due=D(2027, 1, 4)),
        "b": TaskDates(due=D(2027, 1, 8)),
        "c": TaskDates(due=D(2027, 1, 12), duration=2),
    }
    assert cascade_reschedule(prerequisites, dates, "a", D(2027, 1, 6)).cascaded == []
    moved = cascade_reschedule(prerequisites, dates, "a", D(2027, 1, 7)).cascaded
    assert [(m.task, m.new_start, m.new_due, m.business_days) for m in moved] == [
        ("b", D(2027, 1, 11), D(2027, 1, 11), 1),
        ("c", D(2027, 1, 12), D(2027, 1, 13), 1),
    ]


def test_moving_a_task_earlier_pulls_nothing_and_names_prerequisites_it_now_overlaps():
    prerequisites, dates = enterprise_plan()
    result = cascade_reschedule(prerequisites, dates, "legal_review", D(2027, 4, 15))
    assert result.cascaded == []
    # Legal now Fri 2 .. Thu 15 Apr, but security ends Thu 8 Apr.
    assert result.conflicts == ["security_review"]


def test_milestones_follow_the_latest_due_date_of_their_tasks():
    prerequisites, dates = enterprise_plan()
    result = cascade_reschedule(prerequisites, dates, "security_review", D(2027, 4, 15))
    new = result.apply(dates)
    milestone_of = {s.key: s.milestone for s in ENTERPRISE_EVALUATION}
    answer = milestone_dates({k: v.due for k, v in new.items()}, milestone_of, milestones=["Evaluation", "Empty"])
    assert answer == {
        "Evaluation": D(2027, 3, 23),
        "Empty": None,
        "Validation": D(2027, 4, 15),
        "Commercials": D(2027, 4, 29),
        "Decision": D(2027, 5, 7),
    }


def test_undated_tasks_never_move():
    prerequisites = {"b": ["a"], "c": ["b"]}
    dates = {"a": TaskDates(due=D(2027, 1, 4)), "c": TaskDates(due=D(2027, 1, 5))}
    assert cascade_reschedule(prerequisites, dates, "a", D(2027, 1, 15)).cascaded == []


# --- Projection and critical path -------------------------------------------------------


def test_projection_and_critical_path_of_a_small_plan_match_the_hand_calculation():
    # Today Mon 4 Jan 2027. E is done (so C may start today).
    # A 3 d: Mon 4 .. Wed 6.      B 2 d after A: Thu 7 .. Fri 8.
    # C 5 d after E (done): Mon 4 .. Fri 8.
    # D 1 d after B + lag 1 (Fri 8 + 2 = Tue 12) and after C (Fri 8 + 1 = Mon 11): Tue 12.
    # Projected finish Tue 12 Jan, driven by A -> B -> D; target Fri 8 Jan: Mon 11, Tue 12 =
    # 2 business days late. Slack: C could end Mon 11 (D starts Tue 12): 1; the rest 0.
    tasks = {
        "A": OpenTask(3),
        "B": OpenTask(2),
        "C": OpenTask(5),
        "D": OpenTask(1),
        "E": OpenTask(4, done=True),
    }
    prerequisites = {"B": ["A"], "C": ["E"], "D": {"B": 1, "C": 0}}
    result = project(tasks, prerequisites, today=D(2027, 1, 4), target=D(2027, 1, 8))
    assert result.finish == D(2027, 1, 12)
    assert result.critical_path == ["A", "B", "D"]
    assert result.business_days_late == 2
    assert result.dates == {
        "A": Span(D(2027, 1, 4), D(2027, 1, 6)),
        "C": Span(D(2027, 1, 4), D(2027, 1, 8)),
        "B": Span(D(2027, 1, 7), D(2027, 1, 8)),
        "D": Span(D(2027, 1, 12), D(2027, 1, 12)),
    }
    assert result.slack == {"A": 0, "B": 0, "C": 1, "D": 0}


def test_projection_ties_go_to_the_task_listed_first():
    # X and Y both 2 d from Mon 4: both end Tue 5; Z after both starts Wed 6.
    tasks = {"Y": OpenTask(2), "X": OpenTask(2), "Z": OpenTask(1)}
    result = project(tasks, {"Z": ["X", "Y"]}, today=D(2027, 1, 4))
    assert result.critical_path == ["Y", "Z"]
    # Two plan ends on the same day: the first listed ends the plan.
    result = project({"Q": OpenTask(1), "P": OpenTask(1)}, {}, today=D(2027, 1, 4))
    assert result.critical_path == ["Q"]


def test_projection_of_a_named_decision_task_and_of_a_finished_plan():
    tasks = {"a": OpenTask(2), "decision": OpenTask(1), "kickoff": OpenTask(5)}
    prerequisites = {"decision": ["a"], "kickoff": {"decision": 4}}
    # Today Fri 8 Jan: a Fri 8 .. Mon 11; decision Tue 12; target Mon 18 -> 4 days early.
    result = project(tasks, prerequisites, today=D(2027, 1, 8), target=D(2027, 1, 18), finish_task="decision")
    assert result.finish == D(2027, 1, 12)
    assert result.critical_path == ["a", "decision"]
    assert result.business_days_late == -4
    assert set(result.slack) == {"a", "decision"}
    done = {k: OpenTask(1, done=True) for k in tasks}
    empty = project(done, prerequisites, today=D(2027, 1, 8), target=D(2027, 1, 18))
    assert (empty.finish, empty.critical_path, empty.business_days_late) == (None, [], None)


def test_topological_order_is_stable_and_refuses_a_cycle_naming_it():
    assert topological_order(normalize({"c": ["a"], "b": ["a"]}, ["a", "b", "c"])) == ["a", "b", "c"]
    with pytest.raises(CycleError) as caught:
        topological_order(normalize({"a": ["b"], "b": ["c"], "c": ["b"]}))
    assert caught.value.cycle in (["b", "c", "b"], ["c", "b", "c"])
    assert "->" in str(caught.value)


# --- Health ------------------------------------------------------------------------------

TODAY = D(2027, 3, 1)  # a Monday


def test_a_plan_with_nothing_wrong_is_green():
    result = health(today=TODAY, tasks=[HealthTask("buyer", D(2027, 3, 5))], target=D(2027, 6, 1), projected=D(2027, 5, 28))
    assert result.level == GREEN and result.reasons == []


def test_overdue_items_are_counted_by_side_and_three_make_it_red():
    tasks = [
        HealthTask("buyer", D(2027, 2, 26)),
        HealthTask("buyer", D(2027, 2, 27)),
        HealthTask("buyer", D(2027, 2, 28)),
        HealthTask("seller", D(2027, 2, 27)),
        HealthTask("seller", D(2027, 2, 1), done=True),
    ]
    result = health(today=TODAY, tasks=tasks)
    assert result.level == RED
    assert [(r.code, r.level, r.params) for r in result.reasons] == [
        ("overdue_items", RED, {"side": "buyer", "count": 3, "max_days_overdue": 3}),
        ("overdue_items", AMBER, {"side": "seller", "count": 1, "max_days_overdue": 2}),
    ]


def test_projected_late_is_amber_up_to_five_business_days_then_red():
    target = D(2027, 6, 1)  # Tue
    amber = health(today=TODAY, target=target, projected=D(2027, 6, 8))  # 5 business days
    red = health(today=TODAY, target=target, projected=D(2027, 6, 9))  # 6
    assert (amber.level, amber.reasons[0].params["business_days"]) == (AMBER, 5)
    assert (red.level, red.reasons[0].code) == (RED, "projected_late")


def test_recent_slips_count_only_inside_the_window():
    # Window: 14 days back including today = 16 Feb .. 1 Mar.
    slips = [(D(2027, 2, 15), 30), (D(2027, 2, 16), 3), (D(2027, 3, 1), 3)]
    result = health(today=TODAY, slips=slips)
    assert [(r.code, r.level, r.params) for r in result.reasons] == [
        ("recent_slips", AMBER, {"count": 2, "days": 6, "window_days": 14})
    ]
    assert health(today=TODAY, slips=[(D(2027, 2, 20), 15)]).level == RED


def test_a_silent_buyer_and_a_plan_not_agreed_near_the_decision():
    silent = health(today=TODAY, buyer_invited=True, buyer_last_visit=D(2027, 2, 8))  # 21 days
    assert (silent.level, silent.reasons[0].params) == (RED, {"days": 21})
    never = health(today=TODAY, buyer_invited=True)
    assert [r.code for r in never.reasons] == ["buyer_never_opened"]
    assert health(today=TODAY, buyer_invited=False).level == GREEN
    # Decision Mon 15 Mar: 10 business days away -> red; Mon 29 Mar: 20 -> amber; 30 Mar: 21 -> green.
    assert health(today=TODAY, agreed=False, target=D(2027, 3, 15)).level == RED
    assert health(today=TODAY, agreed=False, target=D(2027, 3, 29)).level == AMBER
    assert health(today=TODAY, agreed=False, target=D(2027, 3, 30)).level == GREEN
    assert health(today=TODAY, agreed=True, target=D(2027, 3, 15)).level == GREEN


def test_reasons_come_worst_first():
    result = health(
        today=TODAY,
        tasks=[HealthTask("joint", D(2027, 2, 28))],
        target=D(2027, 6, 1),
        projected=D(2027, 6, 30),
    )
    assert [(r.code, r.level) for r in result.reasons] == [("projected_late", RED), ("overdue_items", AMBER)]


def test_weekdays_calendar_is_the_default():
    assert WEEKDAYS.holidays == frozenset()
