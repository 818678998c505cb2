#!/usr/bin/env python3
"""Lists the public declarations of each Swift module under Sources/ as Markdown (docs/API.md is its output).

A declaration is public when its line starts (after attributes) with `public` or `open` and every type it is
nested in is public too (a `public` member of a `package` or internal type, or of an extension of one, is not
public); `public import` lines are skipped, and so are `package` declarations (hooks between this package's
modules). The requirements of a public protocol are public without the keyword and are listed too. Declarations
are grouped by module and by the type or extension they appear in, in file order; the signature is the whole
declaration (joined over its lines: every parameter and the result, so a change to any of them shows) without
attributes, comments and the body.

Run from the repository root: `python3 scripts/list_public_api.py > docs/API.md`. `make api-check` regenerates it
and fails when it differs from the committed file. The same rules count public declarations per module
(`--count`).
"""
import os
import re
import sys

ATTRIBUTES = r'((?:@[A-Za-z_]+(?:\([^)]*\))?\s+)*)'
DECL = re.compile(r'^(\s*)' + ATTRIBUTES + r'(public|open)\s+(?!=)(.*)$')
REQUIREMENT = re.compile(r'^(\s*)' + ATTRIBUTES + r'((?:static\s+|mutating\s+|nonmutating\s+)*'
                         r'(?:var|func|init|subscript|associatedtype)\b.*)$')
CONTAINER = re.compile(r'^\s*((?:(?:public|open|package|internal|fileprivate|private|@\w+(?:\([^)]*\))?|final|'
                       r'indirect)\s+)*)(struct|enum|protocol|class|actor|extension)\s+([A-Za-z_][\w.]*)')


def swift_files(module):
    for root, _, files in os.walk(os.path.join('Sources', module)):
        for f in sorted(files):
            if f.endswith('.swift'):
                yield os.path.join(root, f)


def strip_comment(line):
    """The line without a trailing `//` comment (outside string literals)."""
    quoted = False
    for i, c in enumerate(line):
        if c == '"' and (i == 0 or line[i - 1] != '\\'):
            quoted = not quoted
        elif not quoted and line.startswith('//', i):
            return line[:i]
    return line


def whole_signature(lines, i):
    """The declaration starting at line `i`, joined over its lines up to its body (`{`) or its end, with the line
    breaks inside its parentheses removed."""
    text = joined_lines(lines, i)
    return re.sub(r',\s*\)', ')', re.sub(r'\s+\)', ')', re.sub(r'\(\s+', '(', text)))


def joined_lines(lines, i):
    text, depth, j = '', 0, i
    while j < len(lines):
        part = strip_comment(lines[j]).strip()
        quoted = False
        for k, c in enumerate(part):
            if c == '"' and (k == 0 or part[k - 1] != '\\'):
                quoted = not quoted
            elif quoted:
                continue
            elif c in '([':
                depth += 1
            elif c in ')]':
                depth -= 1
            elif c == '{' and depth == 0:
                part = part[:k]
                return (text + ' ' + part).strip()
        text = (text + ' ' + part).strip() if not text.endswith(('(', '[')) else text + part
        following = strip_comment(lines[j + 1]).strip() if j + 1 < len(lines) else ''
        if depth <= 0 and not text.endswith(('->', ',', ':', '&', '=')) and not following.startswith(
                ('->', 'throws', 'rethrows', 'async', 'where', '{', '&')):
            return text
        j += 1
    return text


def type_access(module):
    """Name → whether the type is public, for the types the module declares."""
    access = {}
    for path in swift_files(module):
        for line in open(path, encoding='utf-8'):
            m = CONTAINER.match(line)
            if m and m.group(2) != 'extension':
                public = bool(re.search(r'\b(public|open)\b', m.group(1)))
                access[m.group(3)] = access.get(m.group(3), False) or public
    return access


def declarations(path, access):
    stack = []  # (indent, name, kind, public)
    where_line = -1
    lines = open(path, encoding='utf-8').read().split('\n')
    for i, line in enumerate(lines):
        if not line.strip() or line.lstrip().startswith('//'):
            continue
        indent = len(line) - len(line.lstrip())
        if i == where_line:
            continue  # the `where … {` line of the container on the line before (opens_body)
        while stack and indent <= stack[-1][0] and not line.lstrip().startswith('}'):
            stack.pop()
        if line.lstrip().startswith('}') and stack and indent == stack[-1][0]:
            stack.pop()
            continue
        container = CONTAINER.match(line)
        enclosing_public = all(public for _, _, _, public in stack)
        m = DECL.match(line)
        if m and not m.group(4).startswith('import ') and enclosing_public:
            signature = whole_signature(lines, i)
            signature = DECL.match(signature).group(3) + ' ' + DECL.match(signature).group(4)
            yield '.'.join(n for _, n, _, _ in stack), signature.rstrip()
        elif (stack and stack[-1][2] == 'protocol' and enclosing_public and indent > stack[-1][0]
              and REQUIREMENT.match(line)):
            signature = REQUIREMENT.match(whole_signature(lines, i)).group(3).rstrip()
            accessors = re.search(r'\{\s*((?:mutating |nonmutating )?get(?:\s+(?:nonmutating )?set)?)\s*\}', line)
            yield '.'.join(n for _, n, _, _ in stack), signature + (f' {{ {accessors.group(1)} }}' if accessors else '')
        if container and opens_body(lines, i):
            kind, name = container.group(2), container.group(3)
            if kind == 'extension':
                public = access.get(name.split('.')[0], True)  # a type of another module is public
            else:
                public = bool(re.search(r'\b(public|open)\b', container.group(1)))
            stack.append((indent, name, kind, public))
            if not strip_comment(line).rstrip().endswith('{'):
                where_line = i + 1


def opens_body(lines, i):
    """The container declared at line `i` opens its body there, or on a `where` line right after it."""
    code = strip_comment(lines[i]).rstrip()
    if code.endswith('{'):
        return True
    following = strip_comment(lines[i + 1]).strip() if i + 1 < len(lines) else ''
    return '{' not in code and following.startswith('where') and following.endswith('{')


def main():
    modules = [m for m in sorted(os.listdir('Sources')) if any(swift_files(m))]
    if '--count' in sys.argv:
        for module in modules:
            access = type_access(module)
            print(module, sum(1 for p in swift_files(module) for _ in declarations(p, access)))
        return
    print('# Public API by module\n')
    print('Generated by `python3 scripts/list_public_api.py > docs/API.md` from the sources (`make api-check` fails')
    print('when it is out of date): every `public`/`open` declaration and every requirement of a public protocol,')
    print('with its whole signature, grouped by the type or extension it belongs to. Documentation is in the doc')
    print('comments. Hooks between this package\'s modules are `package`, not listed here.\n')
    for module in modules:
        access = type_access(module)
        entries = [(p, ctx, sig) for p in swift_files(module) for ctx, sig in declarations(p, access)]
        if not entries:
            continue
        print(f'## {module} ({len(entries)} declarations)\n')
        last = None
        for path, ctx, sig in entries:
            heading = (os.path.relpath(path, os.path.join('Sources', module)), ctx)
            if heading != last:
                print(f'\n`{heading[0]}`' + (f' — in `{ctx}`' if ctx else '') + '\n')
                last = heading
            print(f'- `{sig}`')
        print()


if __name__ == '__main__':
    main()
