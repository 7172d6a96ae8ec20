// Keyboard shortcuts. Views register their keys with useKeys; the innermost
// (last mounted) view that knows a key handles it. Keys typed into a field are
// left alone, and so is Enter while an input method is composing.
import { useEffect, useRef } from './lib.js';

const stack = [];

/** True while an IME (Korean, Japanese, ...) is composing: Enter then commits text, nothing else. */
export function isComposing(e) {
	return e.isComposing || e.keyCode === 229;
}

function inField(el) {
	return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
}

export function useKeys(map) {
	const ref = useRef(map);
	ref.current = map;
	useEffect(() => {
		stack.push(ref);
		return () => stack.splice(stack.indexOf(ref), 1);
	}, []);
}

addEventListener('keydown', (e) => {
	if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isComposing(e)) return;
	if (inField(e.target) || document.querySelector('dialog[open]')) return;
	// Enter on a link or button does what that control says.
	if (e.key === 'Enter' && /^(A|BUTTON|SUMMARY)$/.test(e.target.tagName)) return;
	for (let i = stack.length - 1; i >= 0; i--) {
		const fn = stack[i].current[e.key];
		if (fn) {
			e.preventDefault();
			fn(e);
			return;
		}
	}
});
