/** Shell tasks with templates: {{ ds }}, {{ params.x }}, {{ dag_run.conf.x }} are rendered before running. */
import { dag, shell } from 'gale/sdk';

dag(
  {
    dagId: 'example_shell',
    description: 'A shell pipeline with templated commands',
    schedule: '*/10 * * * *',
    startDate: '2026-01-01',
    tags: ['example', 'shell'],
    params: { greeting: 'hello' },
  },
  () => {
    const printDate = shell('print_date', 'echo "logical date {{ ds }} ({{ ts }})"');
    const greet = shell('greet', 'echo "{{ params.greeting }} from run {{ run_id }}"');
    const count = shell('count_files', {
      command: 'ls -1 | wc -l',
      cwd: '/tmp',
    });
    printDate.then([greet, count]);
  },
);
