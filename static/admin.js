// Connect admin: live scrape progress over /api/admin/live (one JSON message a second).
(function () {
  'use strict';
  const state = document.getElementById('live-state');
  const at = document.getElementById('live-at');
  const queues = document.getElementById('live-queues');
  const runs = document.getElementById('live-runs');
  const problems = document.getElementById('live-problems');
  if (!queues || !runs) return;
  let retry = 1000;

  function row(cells, header) {
    const tr = document.createElement('tr');
    cells.forEach(function (value, i) {
      const cell = document.createElement(i === 0 && header ? 'th' : 'td');
      if (i === 0 && header) cell.scope = 'row';
      if (value instanceof Node) cell.appendChild(value); else cell.textContent = value == null ? '' : String(value);
      tr.appendChild(cell);
    });
    return tr;
  }

  function status(run) {
    const span = document.createElement('span');
    span.className = 'run ' + run.status;
    span.textContent = run.status_label;
    return span;
  }

  function render(snapshot) {
    at.textContent = new Date(snapshot.at).toLocaleTimeString('ko-KR', { timeZone: 'Asia/Seoul' });
    at.dateTime = snapshot.at;
    queues.replaceChildren.apply(queues, snapshot.queues.map(function (q) {
      return row([q.label, q.pending, q.running, q.delayed, q.dead], true);
    }));
    runs.replaceChildren.apply(runs, snapshot.runs.map(function (r) {
      return row([r.source, status(r), r.started_at, r.finished_at, r.pages, r.new_items, r.changed_items,
        r.unchanged_items, r.removed_items, r.rejected_items, r.error], true);
    }));
    const empty = document.getElementById('live-empty');
    if (empty) empty.hidden = snapshot.runs.length > 0;
    problems.replaceChildren.apply(problems, snapshot.problems.map(function (p) {
      const li = document.createElement('li');
      li.className = 'alert';
      li.textContent = p;
      return li;
    }));
  }

  function connect() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(scheme + '//' + location.host + '/api/admin/live');
    socket.onopen = function () { state.textContent = '실시간 연결됨'; retry = 1000; };
    socket.onmessage = function (event) {
      const message = JSON.parse(event.data);
      if (message.type === 'progress') render(message);
    };
    socket.onclose = function () {
      state.textContent = '연결이 끊겨 다시 연결하는 중';
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    };
  }
  connect();
})();
