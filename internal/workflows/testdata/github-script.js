// Runs an actions/github-script script the way that action does (the body of an async function
// of require, github, context and core), against fakes of the GitHub API that answer from a
// scenario file and record every call. Prints {"calls": [...], "failed": ..., "notices": [...]}.
//
// usage: node github-script.js SCRIPT_FILE SCENARIO_FILE   (the script reads env as given)
'use strict';
const fs = require('fs');

const [scriptFile, scenarioFile] = process.argv.slice(2);
const script = fs.readFileSync(scriptFile, 'utf8');
const scenario = JSON.parse(fs.readFileSync(scenarioFile, 'utf8'));

const result = { calls: [], failed: null, notices: [] };
const record = (api, params) => result.calls.push({ api, params });
const notFound = () => Object.assign(new Error('Not Found'), { status: 404 });

const github = {
  rest: {
    pulls: {
      get: async (params) => {
        record('pulls.get', params);
        const pr = (scenario.pulls || {})[String(params.pull_number)];
        if (!pr) throw notFound();
        return { data: pr };
      },
    },
    issues: {
      listComments: async (params) => {
        record('issues.listComments', params);
        return { data: scenario.comments || [] };
      },
      createComment: async (params) => {
        record('issues.createComment', params);
        return { data: { id: 1000 } };
      },
      updateComment: async (params) => {
        record('issues.updateComment', params);
        return { data: { id: params.comment_id } };
      },
    },
  },
  // Octokit's paginate(method, params) resolves to the concatenated items of every page.
  paginate: async (method, params) => (await method(params)).data,
};

const core = {
  setFailed: (message) => {
    result.failed = String(message);
  },
  notice: (message) => result.notices.push(String(message)),
  warning: (message) => result.notices.push(String(message)),
  info: () => {},
};

const context = {
  repo: { owner: scenario.owner, repo: scenario.repo },
  payload: { workflow_run: scenario.workflowRun },
};

const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
new AsyncFunction('require', 'github', 'context', 'core', script)(require, github, context, core).then(
  () => process.stdout.write(JSON.stringify(result)),
  (err) => {
    result.failed = 'threw: ' + err.message;
    process.stdout.write(JSON.stringify(result));
  },
);
