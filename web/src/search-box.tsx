// Search as you type over both catalogs (SearchService.SuggestTitles), as an ARIA combobox:
// arrows move, Enter opens (or picks), Escape closes.
import { useEffect, useRef, useState } from 'preact/hooks';
import { problemOf, search, type Problem } from './api.js';
import type { TitleSuggestion } from './gen/marquee/v1/search_pb.js';
import { TitleCatalog } from './gen/marquee/v1/search_pb.js';
import { go } from './hooks.js';
import { PlatformTag } from './ui.js';

interface Props {
  /** what choosing a suggestion does; default: open it */
  onPick?: (s: TitleSuggestion) => void;
  moviesOnly?: boolean;
  placeholder?: string;
  label: string;
  id: string;
}

export function open(s: TitleSuggestion): void {
  if (s.found.case === 'movie') go(`movie/${s.found.value.id}`);
  else if (s.found.case === 'title') go(`title/${s.found.value.id}`);
}

export function SearchBox({ onPick = open, moviesOnly = false, placeholder = 'Search titles: movies and streaming', label, id }: Props) {
  const [text, setText] = useState('');
  const [items, setItems] = useState<TitleSuggestion[]>([]);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [active, setActive] = useState(-1);
  const [openList, setOpenList] = useState(false);
  const seq = useRef(0);

  useEffect(() => {
    const q = text.trim();
    if (!q) {
      setItems([]);
      setProblem(null);
      return;
    }
    const mine = ++seq.current;
    // a short pause so that fast typing sends one call, not one per key
    const timer = setTimeout(() => {
      search
        .suggestTitles({ query: q, limit: 8, catalog: moviesOnly ? TitleCatalog.MOVIES : TitleCatalog.UNSPECIFIED })
        .then(
          (r) => {
            if (mine !== seq.current) return;
            setItems(r.suggestions);
            setProblem(null);
            setActive(r.suggestions.length > 0 ? 0 : -1);
            setOpenList(true);
          },
          (err: unknown) => {
            if (mine !== seq.current) return;
            setItems([]);
            setProblem(problemOf(err));
            setOpenList(true);
          },
        );
    }, 120);
    return () => clearTimeout(timer);
  }, [text, moviesOnly]);

  const pick = (s: TitleSuggestion) => {
    setOpenList(false);
    setText('');
    setItems([]);
    onPick(s);
  };

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setOpenList(true);
      setActive((a) => Math.min(items.length - 1, a + 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(0, a - 1));
    } else if (e.key === 'Enter' && openList && items[active]) {
      e.preventDefault();
      pick(items[active]);
    } else if (e.key === 'Escape') {
      setOpenList(false);
    }
  };

  const listId = `${id}-list`;
  const showList = openList && text.trim() !== '';
  return (
    <div class="search-box">
      <label for={id} class="visually-hidden">
        {label}
      </label>
      <input
        id={id}
        type="search"
        role="combobox"
        aria-expanded={showList}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={showList && active >= 0 ? `${id}-opt-${active}` : undefined}
        autocomplete="off"
        spellcheck={false}
        placeholder={placeholder}
        value={text}
        onInput={(e) => setText((e.target as HTMLInputElement).value)}
        onKeyDown={onKey}
        onFocus={() => setOpenList(true)}
        onBlur={() => setTimeout(() => setOpenList(false), 150)}
      />
      {showList && (
        <ul id={listId} role="listbox" class="suggestions">
          {problem && <li class="problem-line">{problem.message}</li>}
          {!problem && items.length === 0 && <li class="muted">No title matches “{text.trim()}”.</li>}
          {items.map((s, i) => (
            <li
              id={`${id}-opt-${i}`}
              role="option"
              aria-selected={i === active}
              class={i === active ? 'active' : ''}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(s);
              }}
              onMouseEnter={() => setActive(i)}
            >
              <Suggestion s={s} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Suggestion({ s }: { s: TitleSuggestion }) {
  if (s.found.case === 'movie') {
    const m = s.found.value;
    return (
      <span class="suggestion">
        <span class="kind">Movie</span> {m.title} {m.releaseYear ? <span class="year">({m.releaseYear})</span> : null}
      </span>
    );
  }
  if (s.found.case === 'title') {
    const t = s.found.value;
    return (
      <span class="suggestion">
        <PlatformTag platform={t.platform} /> {t.title} {t.releaseYear ? <span class="year">({t.releaseYear})</span> : null}{' '}
        <span class="muted">{t.type}</span>
      </span>
    );
  }
  return null;
}
