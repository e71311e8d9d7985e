# claims.awk: check every comparison the post makes against the runs.
#
#   awk -f claims.awk NUMBERS CLAIMS
#
# NUMBERS is the KEY<TAB>VALUE file of book/scripts/numbers.awk. CLAIMS has
# one claim a line (comments start with #):
#
#   ID   LHS   OP   RHS   SENTENCE
#
# LHS and RHS are a number, a key of NUMBERS, abs(KEY), or a product of
# those (1.01*step.final_loss; no spaces inside a term); OP is one of
# < <= > >= == !=; SENTENCE is what the text says, in words. The text marks
# the sentence as [words]{.claim ref=ID}, so a claim and its test travel
# together. Prints one PASS or FAIL line per claim and exits 1 if any claim
# is false or names an unknown key.

BEGIN { FS = "\t" }

FNR == NR {
    value[$1] = $2
    next
}

function term(t,    inner, v, star) {
    star = index(t, "*")
    if (star > 0) return term(substr(t, 1, star - 1)) * term(substr(t, star + 1))
    if (t ~ /^abs\(.*\)$/) {
        inner = substr(t, 5, length(t) - 5)
        v = term(inner)
        return v < 0 ? -v : v
    }
    if (t ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/) return t + 0
    if (!(t in value)) {
        unknown = t
        return 0
    }
    return value[t] + 0
}

function holds(a, op, b) {
    if (op == "<") return a < b
    if (op == "<=") return a <= b
    if (op == ">") return a > b
    if (op == ">=") return a >= b
    if (op == "==") return a == b
    if (op == "!=") return a != b
    return -1
}

{
    line = $0
    sub(/^[ \t]+/, "", line)
    if (line == "" || line ~ /^#/) next
    n = split(line, w, /[ \t]+/)
    if (n < 5) {
        printf "FAIL claims line %d: expected ID LHS OP RHS SENTENCE, got: %s\n", FNR, $0
        failed++
        next
    }
    id = w[1]; lhs = w[2]; op = w[3]; rhs = w[4]
    sentence = line
    for (i = 1; i <= 4; i++) sub(/^[^ \t]+[ \t]+/, "", sentence)
    if (id in seen) {
        printf "FAIL claim %s: the ID is used twice (claims line %d); IDs must be unique\n", id, FNR
        failed++
        next
    }
    seen[id] = 1

    unknown = ""
    a = term(lhs)
    b = term(rhs)
    if (unknown != "") {
        printf "FAIL claim %s: '%s' is not a number the runs produce (see numbers.tsv); fix the claim or add the run\n", id, unknown
        failed++
        next
    }
    ok = holds(a, op, b)
    if (ok < 0) {
        printf "FAIL claim %s: unknown operator '%s' (use < <= > >= == !=)\n", id, op
        failed++
        next
    }
    if (ok) {
        printf "PASS claim %s: %s\n", id, sentence
        passed++
    } else {
        printf "FAIL claim %s: \"%s\" no longer holds: %s = %.6g is not %s %s = %.6g; the runs stopped supporting this sentence: change the text or the runs\n", id, sentence, lhs, a, op, rhs, b
        failed++
    }
}

END {
    printf "claims: %d passed, %d failed\n", passed, failed
    exit failed > 0
}
