UPDATE recruits SET days = COALESCE((SELECT string_agg(s.step || '=' || s.done_on, ';')
    FROM recruit_steps s WHERE s.recruit_id = recruits.id), '');
