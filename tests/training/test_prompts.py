from training import prompts


def test_only_instructions_count_each_once_without_stage_notes() -> None:
    lines = [
        "vm-delete: Press 7 to delete this message.",
        "vm-intro: Please leave your message after the tone.  When done hang up or press the "
        "pound key. (simple tone sound plays)",
        "vm-goodbye: Goodbye!",
        "tt-weasels: Weasels have eaten our phone system.",
        "vm-delete-again: Press 7 to delete this message.",
        "Copyright (C) 2006: Digium, you may press on",  # a header, not a prompt name
        "",
    ]

    assert prompts.parse(lines) == [
        "Press 7 to delete this message.",
        "Please leave your message after the tone. When done hang up or press the pound key.",
    ]
