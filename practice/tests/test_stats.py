from datetime import date

from practice import stats


def test_sparkline_runs_oldest_left_with_higher_scores_higher():
    line = stats.sparkline([0.0, 100.0, 50.0], width=100, height=20, pad=0)

    assert line["points"] == "0.0,20.0 50.0,0.0 100.0,10.0"
    assert line["last"] == (100.0, 10.0)
    assert line["values"] == [0, 100, 50]


def test_sparkline_of_one_score_is_a_centred_point_and_of_none_is_empty():
    assert stats.sparkline([80.0], width=100, height=20, pad=0)["points"] == "50.0,4.0"
    assert stats.sparkline([]) == {}


def test_score_chart_breaks_a_line_at_weeks_without_scores():
    weeks = [
        stats.WeekAverages(date(2025, 3, 3), 1, {"overall": 50.0}),
        stats.WeekAverages(date(2025, 3, 10), 0, {"overall": None}),
        stats.WeekAverages(date(2025, 3, 17), 2, {"overall": 70.0}),
        stats.WeekAverages(date(2025, 3, 24), 1, {"overall": 90.0}),
    ]

    chart = stats.score_chart(
        weeks, ["overall"], width=100, height=100, left=0, right=0, top=0, bottom=0
    )

    (series,) = chart.series
    assert [[(p.x, p.y) for p in s] for s in series.segments] == [
        [(0.0, 50.0)],
        [(66.7, 30.0), (100.0, 10.0)],
    ]
    assert series.polylines == ["66.7,30.0 100.0,10.0"]  # a lone week is drawn as a dot
    assert chart.has_data


def test_streak_counts_back_from_yesterday_when_today_is_still_empty():
    days = [date(2025, 3, 11), date(2025, 3, 10), date(2025, 3, 8)]

    streak = stats.streak(days, today=date(2025, 3, 12))

    assert (streak.current, streak.longest, streak.practised_today) == (2, 2, False)


def test_weak_spots_ignores_inserted_sounds_and_malformed_entries():
    words = [
        {"index": None, "text": "", "score": None, "status": "inserted", "phones": ["AH"]},
        {"index": 0, "text": "Hello,", "score": 55.0, "status": "mispronounced"},
        "garbage",
    ]
    phones = {"0": [{"phone": "HH", "score": 40.0}, {"phone": "SIL", "score": 5.0}, {}]}

    weak = stats.weak_spots([(words, phones), (None, None)])

    assert [(w.text, w.weak, w.seen) for w in weak.words] == [("hello", 1, 1)]
    assert [(s.phone, s.ipa, s.examples) for s in weak.sounds] == [("HH", "h", ["hello"])]
    assert weak.attempts == 2


def test_weak_spots_keep_ipa_sound_names_as_the_engine_wrote_them():
    words = [{"index": 0, "text": "really", "score": 40.0, "status": "mispronounced"}]
    v2 = {"0": [{"phone": "ɹ", "score": 20.0}, {"phone": "i", "score": 95.0}]}
    v1 = {"0": [{"phone": "r", "score": 30.0}]}

    weak = stats.weak_spots([(words, v2), (words, v1)])

    # "ɹ".upper() would be "Ɽ", another sound; ARPAbet names stay upper case.
    assert {s.phone: s.weak for s in weak.sounds} == {"ɹ": 1, "R": 1}
