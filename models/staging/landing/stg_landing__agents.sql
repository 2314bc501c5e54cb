with

source as (

    select * from {{ source('landing', 'agents') }}

),

final as (

    select
        _file_id as file_id,
        _row_number as row_number,
        _unparsed as unparsed_line,
        _read_error as read_error,
        nullif(trim(agent_id), '') as agent_id,
        nullif(trim(workspace_id), '') as workspace_id,
        nullif(trim(name), '') as agent_name,
        lower(nullif(trim(status), '')) as agent_status,
        snapshot_at as snapshot_at_text,
        {{ parse_timestamp_utc('snapshot_at') }} as snapshot_at,
        {{ row_to_json(['agent_id', 'workspace_id', 'name', 'status', 'snapshot_at',
                        '_extra']) }} as raw_row
    from source

)

select * from final
