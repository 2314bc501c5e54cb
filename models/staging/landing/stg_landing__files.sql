with

source as (

    select * from {{ source('landing', 'files') }}

),

final as (

    select
        file_id,
        source as source_name,
        path as file_path,
        size_bytes,
        modified_at,
        file_format,
        status as load_status,
        rows_loaded,
        error as load_error,
        ingested_at
    from source

)

select * from final
