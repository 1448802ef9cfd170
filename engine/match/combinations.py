"""Bounded subset sum: which open documents of one partner add up to a transfer's amount.

A customer who pays three invoices at once rarely lists them all in a 140-character title. The
matcher then looks for combinations of that partner's open residuals that add up to the
amount. Subset sum is exponential in general, so the search is bounded three ways: only one
partner's documents (never the whole ledger), at most :data:`MAX_CANDIDATES` of them (the
oldest due first: those are the ones people pay), at most ``max_size`` per combination, and a
budget of steps after which it gives up (and says so: a search cut short is not proof that
the combination it found is the only one).
"""

#: Most documents of one partner the search considers.
MAX_CANDIDATES = 40
#: Most search steps for one transfer.
STEP_BUDGET = 20000


def find_combinations(values, target, max_size, *, min_size=2, limit=2):
    """Return ``(combinations, complete)`` for positive integer ``values`` summing to ``target``.

    ``combinations`` lists index tuples (into ``values``, ascending) of ``min_size`` to
    ``max_size`` elements, at most ``limit`` of them; ``complete`` is False when the step
    budget ran out or the limit was reached, so more combinations may exist.

    >>> find_combinations([24600, 12300, 30750], 36900, 3)
    ([(0, 1)], True)
    >>> find_combinations([100, 100, 100], 200, 2)  # the limit was reached: maybe more
    ([(0, 1), (0, 2)], False)
    """
    order = sorted(range(len(values)), key=values.__getitem__)
    sorted_values = [values[index] for index in order]
    count = len(sorted_values)
    found = []
    steps = 0

    def search(start, remaining, chosen):
        nonlocal steps
        for position in range(start, count):
            steps += 1
            if steps > STEP_BUDGET or len(found) >= limit:
                return
            value = sorted_values[position]
            if value > remaining:
                return  # sorted: every later value is larger still
            if value == remaining:
                if len(chosen) + 1 >= min_size:
                    found.append(tuple(sorted(order[i] for i in (*chosen, position))))
                continue
            if len(chosen) + 1 < max_size:
                # The largest values still available cannot reach the remainder: stop early.
                slots = max_size - len(chosen) - 1
                if sum(sorted_values[count - slots :]) < remaining - value:
                    continue
                search(position + 1, remaining - value, (*chosen, position))

    if max_size >= max(min_size, 1) and count >= min_size:
        search(0, target, ())
    return found, steps <= STEP_BUDGET and len(found) < limit
