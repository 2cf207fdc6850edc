-- One row per Sakila customer, with the email lower-cased and the names in title case.
select
    cast(customers.customer_id as integer) as customer_id,
    cast(customers.store_id as integer) as store_id,
    -- The source stores names in upper case (MARY SMITH), which reads badly in messages.
    upper(left(trim(cast(customers.first_name as string)), 1))
        || lower(substr(trim(cast(customers.first_name as string)), 2)) as first_name,
    upper(left(trim(cast(customers.last_name as string)), 1))
        || lower(substr(trim(cast(customers.last_name as string)), 2)) as last_name,
    nullif(lower(trim(cast(customers.email as string))), '') as email,
    cast(customers.address_id as integer) as address_id,
    cast(customers.active as integer) = 1 as is_active,
    cast(customers.create_date as timestamp) as created_at
from {{source "sakila" "customer"}} as customers
