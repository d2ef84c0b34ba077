from bench.pages import page_paths


def test_page_paths_name_the_pages_the_benchmark_times():
    paths = page_paths(7)

    assert paths == {
        "catalogue": "/",
        "script": "/scripts/7/",
        "history": "/me/history/",
        "overview": "/me/overview/",
    }
