"""The index gate: answers share it; an index change waits for them and holds new ones back."""

import threading

from service.gate import IndexGate


def test_a_writer_waits_for_readers_and_holds_back_new_ones():
    gate = IndexGate()
    order = []
    reader_in = threading.Event()
    release_reader = threading.Event()

    def first_reader():
        with gate.reading():
            reader_in.set()
            release_reader.wait(5)
            order.append("reader 1 done")

    def writer():
        with gate.writing():
            order.append("writer")

    def late_reader():
        with gate.reading():
            order.append("reader 2")

    threads = [threading.Thread(target=first_reader)]
    threads[0].start()
    reader_in.wait(5)
    threads.append(threading.Thread(target=writer))
    threads[1].start()
    while not gate.writer_waiting():
        pass
    threads.append(threading.Thread(target=late_reader))
    threads[2].start()
    release_reader.set()
    for t in threads:
        t.join(5)
    assert order == ["reader 1 done", "writer", "reader 2"]
